"""A finding: the outcome of one rule on one or more events, with everything that explains it."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

__all__ = ["Finding", "Thresholds", "Verdict", "finding_id"]


class Verdict(enum.StrEnum):
    """How a rule judges its events.

    >>> Verdict.parse("Possible")
    <Verdict.POSSIBLE: 'possible'>
    >>> Verdict.parse("maybe")
    Traceback (most recent call last):
    ...
    ValueError: unknown verdict 'maybe'; expected one of: violation, possible, compliant
    """

    VIOLATION = "violation"
    POSSIBLE = "possible"
    COMPLIANT = "compliant"

    @classmethod
    def parse(cls, value: str) -> Verdict:
        """The verdict named by ``value`` (case ignored)."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            options = ", ".join(v.value for v in cls)
            raise ValueError(f"unknown verdict {value!r}; expected one of: {options}") from None


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The p_in_zone cut-offs: ``violation`` when p >= 0.9, ``possible`` when p >= 0.1.

    >>> Thresholds().verdict(0.95), Thresholds().verdict(0.5), Thresholds().verdict(0.05)
    (<Verdict.VIOLATION: 'violation'>, <Verdict.POSSIBLE: 'possible'>, None)
    >>> Thresholds(violation=0.5, possible=0.6)
    Traceback (most recent call last):
    ...
    ValueError: thresholds need 0 < possible <= violation <= 1; got possible=0.6, violation=0.5
    """

    violation: float = 0.9
    possible: float = 0.1

    def __post_init__(self) -> None:
        if not 0 < self.possible <= self.violation <= 1:
            raise ValueError(
                "thresholds need 0 < possible <= violation <= 1; "
                f"got possible={self.possible}, violation={self.violation}"
            )

    def verdict(self, p: float) -> Verdict | None:
        """The verdict a probability alone supports (None below ``possible``)."""
        if p >= self.violation:
            return Verdict.VIOLATION
        if p >= self.possible:
            return Verdict.POSSIBLE
        return None


def finding_id(agreement: str, rule: str, event_ids: Iterable[str]) -> str:
    """Deterministic id of a finding: the agreement, the rule and the set of events.

    >>> finding_id("idlib-2018", "zone-in-force", ["ucdp:2", "ucdp:1"])
    'f-d80d8b41a6bbf9b30983'
    >>> finding_id("idlib-2018", "zone-in-force", ["ucdp:1", "ucdp:2"])
    'f-d80d8b41a6bbf9b30983'
    """
    key = "\n".join([agreement, rule, *sorted(set(event_ids))])
    return "f-" + hashlib.sha256(key.encode()).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict on one event (or, for caps, on the events of one time window).

    Location: ``zone`` and ``band`` the reported point lies in ('' outside), its geodesic
    ``distance_km`` from the zone's line, ``p_in_zone`` (share of the uncertainty shape in
    the zone) and ``p_in_core`` (in its certain core band), ``shape`` the shape used.
    Time: ``first_day``..``last_day`` the days (agreement timezone, inclusive) the event may
    have happened on, ``rule_start`` when the rule took effect, ``timing`` 'after' or
    'straddles'. ``reasons`` says in words why the verdict is what it is.
    """

    finding_id: str
    agreement: str
    rule: str
    rule_kind: str
    clause: str
    verdict: Verdict
    event_ids: tuple[str, ...]
    zone: str
    band: str
    distance_km: float | None
    p_in_zone: float
    p_in_core: float
    shape: str
    lon: float | None
    lat: float | None
    first_day: dt.date
    last_day: dt.date
    rule_start: dt.datetime
    timing: str
    equipment_class: str | None = None
    equipment_inferred: bool = False
    matched_words: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    side: str = ""
    count: int | None = None
    max_count: int | None = None
    civilians: int | None = None
    reasons: tuple[str, ...] = ()

    @property
    def event_id(self) -> str:
        """The first event id (the only one, except for caps)."""
        return self.event_ids[0] if self.event_ids else ""

    @property
    def event_date(self) -> str:
        """The event's day, or ``first..last`` when the source gives a range."""
        if self.first_day == self.last_day:
            return self.first_day.isoformat()
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings, tuples as lists).

        >>> f = Finding.from_dict(EXAMPLE)
        >>> Finding.from_dict(f.to_dict()) == f
        True
        """
        out = asdict(self)
        out["verdict"] = self.verdict.value
        out["first_day"] = self.first_day.isoformat()
        out["last_day"] = self.last_day.isoformat()
        out["rule_start"] = self.rule_start.isoformat()
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        return out

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, no whitespace)."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """The finding :meth:`to_dict` wrote."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if isinstance(value, list):
                value = tuple(value)
            values[f.name] = value
        values["verdict"] = Verdict.parse(str(data["verdict"]))
        values["first_day"] = dt.date.fromisoformat(str(data["first_day"]))
        values["last_day"] = dt.date.fromisoformat(str(data["last_day"]))
        values["rule_start"] = dt.datetime.fromisoformat(str(data["rule_start"]))
        return cls(**values)


EXAMPLE: Mapping[str, Any] = {
    "finding_id": "f-0",
    "agreement": "idlib-2018",
    "rule": "zone-in-force",
    "rule_kind": "attack_prohibited",
    "clause": "attacks in the zone breach the regime of the zone",
    "verdict": "violation",
    "event_ids": ["ucdp:1"],
    "zone": "dmz",
    "band": "core",
    "distance_km": 7.5,
    "p_in_zone": 1.0,
    "p_in_core": 1.0,
    "shape": "disc of radius 2 km",
    "lon": 36.69,
    "lat": 35.38,
    "first_day": "2018-11-01",
    "last_day": "2018-11-01",
    "rule_start": "2018-10-15T00:00:00+03:00",
    "timing": "after",
    "reasons": ["inside"],
}
"""A finding as :meth:`Finding.to_dict` writes it (used in examples and tests)."""
