"""ACLED export CSV, with ACLED's standard column names.

ACLED's terms forbid redistributing its data: dmzwatch ships none; users read their own
exports. Mapping:

=================  ===============================================================
event field        ACLED column(s)
=================  ===============================================================
source_id          ``event_id_cnty``
kind               ``event_type``: Battles -> clash, Explosions/Remote violence ->
                   strike, Violence against civilians -> attack, Protests -> protest,
                   Riots and Strategic developments -> incident
start, end         ``event_date`` (``YYYY-MM-DD`` or ``01 September 2019``), the whole day
date precision     ``time_precision`` (:data:`~dmzwatch.events.precision.ACLED_DATE`)
lon, lat           ``longitude``, ``latitude``
location precision ``geo_precision`` (:data:`~dmzwatch.events.precision.ACLED_LOCATION`)
actors             ``actor1``, ``assoc_actor_1``, ``actor2``, ``assoc_actor_2``
fatalities         ``fatalities`` (best; ACLED gives no low/high or civilian count)
text               ``notes``; the weapon class is inferred from ``sub_event_type`` and ``notes``
=================  ===============================================================
"""

from __future__ import annotations

import numpy as np

from ..columns import EventColumns, RowProblem
from ..model import EventKind
from ..precision import ACLED_DATE, ACLED_LOCATION
from ._arrow import Converter, strings
from ._common import DAY, actor_column, codes, infer_column, kinds, new_columns
from ._csv import CsvBatch

__all__ = ["COLUMNS", "EVENT_TYPES", "REQUIRED", "SOURCE", "columns"]

SOURCE = "acled"
#: ACLED's standard export columns, in their order.
COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)
REQUIRED = ("event_id_cnty", "event_date", "event_type", "latitude", "longitude")
EVENT_TYPES = {
    "Battles": EventKind.CLASH,
    "Explosions/Remote violence": EventKind.STRIKE,
    "Violence against civilians": EventKind.ATTACK,
    "Protests": EventKind.PROTEST,
    "Riots": EventKind.INCIDENT,
    "Strategic developments": EventKind.INCIDENT,
}


def columns(batch: CsvBatch) -> EventColumns:
    """One batch of ACLED rows as event columns (problems included, nothing dropped)."""
    n = len(batch)
    conv = Converter(n)
    problems: list[RowProblem] = conv.problems
    get = batch.column
    ids = np.array([s.strip() for s in strings(get("event_id_cnty"), n).tolist()], dtype=object)
    start = conv.dates(get("event_date"), "event_date")
    lon = conv.floats(get("longitude"), "longitude")
    lat = conv.floats(get("latitude"), "latitude")
    best = conv.floats(get("fatalities"), "fatalities", integer=True)
    loc_code, radius = codes(get("geo_precision"), n, ACLED_LOCATION, "geo_precision", problems)
    date_code, slack = codes(get("time_precision"), n, ACLED_DATE, "time_precision", problems)
    kind = kinds(strings(get("event_type"), n), EVENT_TYPES, "event_type", problems)
    notes = strings(get("notes"), n)
    sub = strings(get("sub_event_type"), n)
    inferred_class, words = infer_column(
        np.array([f"{s}. {t}" for s, t in zip(sub, notes, strict=True)], dtype=object)
    )
    actors = actor_column(batch, ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2"))
    return new_columns(
        SOURCE,
        batch,
        source_id=ids,
        kind=kind,
        start=start,
        end=start + DAY,
        date_precision=date_code,
        date_precision_days=slack,
        lon=lon,
        lat=lat,
        location_precision=loc_code,
        precision_km=radius,
        equipment_class=inferred_class,
        equipment_inferred=np.array([c is not None for c in inferred_class.tolist()], dtype=bool),
        inferred_from=words,
        actors=actors,
        best=best,
        text=notes,
        problems=problems,
        names={
            "source_id": "event_id_cnty",
            "date_start": "event_date",
            "date_end": "event_date",
            "fatalities_best": "fatalities",
            "text": "notes",
            "actors": "actor1,assoc_actor_1,actor2,assoc_actor_2",
        },
    )
