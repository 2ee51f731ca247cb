"""What each source's precision codes mean, as a radius in km and a slack in days.

Sources code how well they know where and when an event happened. dmzwatch keeps the
source's own code and, beside it, the radius (km) of the disc the event lies in and the
slack (days) around its dates, from the tables below.

Provenance
----------
UCDP GED (``where_prec``, ``date_prec``): the codes are defined in the UCDP GED Codebook
(Högbladh 2019, version 19.1, sections "where_prec" and "date_prec"). The codebook gives
meanings, not distances; the radii here are ours:

* 1 "exact location" (a village or town): 2 km, the size of a Syrian town;
* 2 "within about 25 km of a known point": 25 km, as the codebook says;
* 3 "second-order administrative division" (district): 30 km, the radius of a disc of
  the mean district area (Syria: 185,180 km² in 65 districts, 2,850 km²);
* 4 "first-order administrative division" (governorate): 50 km, near the median
  equivalent-disc radius of Syria's governorates (46 km; Idlib 42, Hama 57, Aleppo 78),
  computed geodesically from Natural Earth's admin-1 polygons;
* 5 "linear feature or between places" (a road, a front, "between A and B"): 25 km;
* 6 "country" and 7 "international waters or airspace": 250 km, the equivalent-disc
  radius of Syria (243 km).

``date_prec``: 1 exact day (0 days), 2 within 2–6 days (6), 3 within a week (7),
4 within a month (30), 5 more than a month, less than a year (365). UCDP also gives
``date_start``/``date_end``; the slack widens that interval when events are matched.

ACLED (``geo_precision``, ``time_precision``): the ACLED Codebook (2019 and later) defines
geo_precision 1 "the particular town", 2 "a part of a region, the nearest town named",
3 "a larger region, its capital or a central point named"; radii 2, 25 and 50 km as for
UCDP's 1, 2 and 4. time_precision 1 "the exact day", 2 "within a week (the middle of
the week is recorded)", 3 "within a month (the middle of the month is recorded)": slack
0, 4 and 16 days around the recorded date.

Generic tables and GeoJSON give a radius in km directly (a column or a default).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = [
    "ACLED_DATE",
    "ACLED_LOCATION",
    "TABLES",
    "UCDP_DATE",
    "UCDP_LOCATION",
    "Precision",
    "lookup",
]


@dataclass(frozen=True, slots=True)
class Precision:
    """One code of a source's precision table: its meaning and what it means in numbers."""

    code: str
    meaning: str
    value: float


def _table(*rows: tuple[str, str, float]) -> MappingProxyType[str, Precision]:
    return MappingProxyType(
        {code: Precision(code, meaning, value) for code, meaning, value in rows}
    )


UCDP_LOCATION: Final = _table(
    ("1", "exact location (village or town)", 2.0),
    ("2", "within about 25 km of a known point", 25.0),
    ("3", "second-order administrative division (district)", 30.0),
    ("4", "first-order administrative division (governorate)", 50.0),
    ("5", "linear feature or between places", 25.0),
    ("6", "country", 250.0),
    ("7", "international waters or airspace", 250.0),
)
UCDP_DATE: Final = _table(
    ("1", "exact day", 0.0),
    ("2", "within 2-6 days", 6.0),
    ("3", "within a week", 7.0),
    ("4", "within a month", 30.0),
    ("5", "more than a month, less than a year", 365.0),
)
ACLED_LOCATION: Final = _table(
    ("1", "the particular town", 2.0),
    ("2", "a part of a region, nearest town named", 25.0),
    ("3", "a larger region, its capital or a central point named", 50.0),
)
ACLED_DATE: Final = _table(
    ("1", "exact day", 0.0),
    ("2", "within a week (middle of the week recorded)", 4.0),
    ("3", "within a month (middle of the month recorded)", 16.0),
)

TABLES: Final = MappingProxyType(
    {
        ("ucdp", "location"): UCDP_LOCATION,
        ("ucdp", "date"): UCDP_DATE,
        ("acled", "location"): ACLED_LOCATION,
        ("acled", "date"): ACLED_DATE,
    }
)


def lookup(source: str, what: str, code: str) -> Precision:
    """The precision a source's code means.

    >>> lookup("ucdp", "location", "2").value
    25.0
    >>> lookup("acled", "location", "9")
    Traceback (most recent call last):
    ...
    KeyError: "acled location precision code '9' is not defined; expected one of: 1, 2, 3"
    """
    table = TABLES[(source, what)]
    try:
        return table[code.strip()]
    except KeyError:
        options = ", ".join(table)
        raise KeyError(
            f"{source} {what} precision code {code!r} is not defined; expected one of: {options}"
        ) from None
