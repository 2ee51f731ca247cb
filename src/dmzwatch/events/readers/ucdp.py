"""UCDP Georeferenced Event Dataset (GED) CSV, with GED's own column names.

Reads the Syria extract shipped with the project and the full global GED CSV (which adds
``relid, code_status, *_dset_id, where_description, gwnoa`` and writes dates as
``YYYY-MM-DD 00:00:00.000``). Mapping:

=================  ===============================================================
event field        GED column(s)
=================  ===============================================================
source_id          ``id``
kind               ``type_of_violence``: 3 (one-sided) -> attack; 1, 2 -> strike
                   when the headline names a weapon fired from a distance, else clash
start, end         ``date_start`` (00:00 UTC), ``date_end`` (23:59:59 UTC)
date precision     ``date_prec`` (:data:`~dmzwatch.events.precision.UCDP_DATE`)
lon, lat           ``longitude``, ``latitude``
location precision ``where_prec`` (:data:`~dmzwatch.events.precision.UCDP_LOCATION`)
actors             ``side_a``, ``side_b``
fatalities         ``best``, ``low``, ``high``; civilians ``deaths_civilians``
text               ``source_headline``
equipment class    inferred from ``source_headline`` (marked inferred)
=================  ===============================================================
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..columns import EventColumns, RowProblem
from ..model import EventKind
from ..precision import UCDP_DATE, UCDP_LOCATION
from ..validate import REASONS
from ._arrow import Converter, strings, strip
from ._common import DAY, REMOTE_CLASSES, actor_column, codes, infer_unique, new_columns
from ._csv import CsvBatch

__all__ = ["REQUIRED", "SOURCE", "columns"]

SOURCE = "ucdp"
#: Columns a file must have to be read as UCDP GED.
REQUIRED = ("id", "date_start", "date_end", "latitude", "longitude", "where_prec", "best")
NAMES = {
    "source_id": "id",
    "fatalities_best": "best",
    "fatalities_low": "low",
    "fatalities_high": "high",
    "civilians": "deaths_civilians",
    "text": "source_headline",
    "actors": "side_a,side_b",
}
VIOLENCE = {"1": "state-based", "2": "non-state", "3": "one-sided"}


def columns(batch: CsvBatch) -> EventColumns:
    """One batch of GED rows as event columns (problems included, nothing dropped)."""
    n = len(batch)
    conv = Converter(n)
    problems: list[RowProblem] = conv.problems
    get = batch.column
    ids = strings(strip(get("id"), n), n)
    start = conv.dates(get("date_start"), "date_start")
    end = conv.dates(get("date_end"), "date_end") + DAY
    lon = conv.floats(get("longitude"), "longitude")
    lat = conv.floats(get("latitude"), "latitude")
    best = conv.floats(get("best"), "best", integer=True)
    low = conv.floats(get("low"), "low", integer=True)
    high = conv.floats(get("high"), "high", integer=True)
    civilians = conv.floats(get("deaths_civilians"), "deaths_civilians", integer=True)
    loc_code, radius = codes(get("where_prec"), n, UCDP_LOCATION, "where_prec", problems)
    date_code, slack = codes(get("date_prec"), n, UCDP_DATE, "date_prec", problems)
    headline = get("source_headline")
    text = strings(headline, n)
    distinct, matched, index = infer_unique(headline if headline is not None else text)
    inferred_class = np.array([*distinct, None], dtype=object)[:-1][index]
    words = np.array([*matched, ""], dtype=object)[:-1][index]
    inferred = np.array([c is not None for c in distinct] + [False], dtype=bool)[:-1][index]
    remote = np.array([c in REMOTE_CLASSES for c in distinct] + [False], dtype=bool)[:-1][index]
    kind = np.where(remote, EventKind.STRIKE.value, EventKind.CLASH.value).astype(object)
    violence = strip(get("type_of_violence"), n)
    kind[np.asarray(pc.equal(violence, "3").to_numpy(zero_copy_only=False), dtype=bool)] = (
        EventKind.ATTACK.value
    )
    known = pc.is_in(violence, value_set=pa.array(list(VIOLENCE), type=pa.string()))
    for i in np.flatnonzero(~np.asarray(known.to_numpy(zero_copy_only=False), dtype=bool)):
        value = str(violence[int(i)].as_py())
        reason = REASONS["missing"] if not value else f"{REASONS['kind']} (expected 1, 2 or 3)"
        problems.append(RowProblem(int(i), "type_of_violence", value, reason))
    actors = actor_column(batch, ("side_a", "side_b"))
    return new_columns(
        SOURCE,
        batch,
        source_id=ids,
        kind=kind,
        start=start,
        end=end,
        date_precision=date_code,
        date_precision_days=slack,
        lon=lon,
        lat=lat,
        location_precision=loc_code,
        precision_km=radius,
        equipment_class=inferred_class,
        equipment_inferred=inferred,
        inferred_from=words,
        actors=actors,
        best=best,
        low=low,
        high=high,
        civilians=civilians,
        text=text,
        problems=problems,
        names=NAMES,
    )
