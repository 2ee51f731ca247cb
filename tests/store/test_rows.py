"""Content hashes of a whole batch are the hashes of its events, one by one."""

from __future__ import annotations

import itertools
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
from hypothesis import given, settings

from dmzwatch.events.columns import EventColumns, content_hashes, hashed_rows
from dmzwatch.events.model import canonical_json, event_hash
from dmzwatch.events.readers import read
from dmzwatch.store import _rows
from dmzwatch.store.evidence import GENESIS, chain, entry_body

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")
REAL = next(iter(read(UCDP))).columns


def test_real_rows_hash_as_their_events() -> None:
    hashes = _rows.content_hashes(REAL)
    assert hashes == content_hashes(hashed_rows(REAL))
    assert hashes[:50] == [REAL.event(i).content_hash for i in range(50)]
    assert [event_hash(REAL.event(i).hashed_values()) for i in range(3)] == hashes[:3]


texts = st.text(alphabet=st.sampled_from('ab"\\\n\t\x01é漢 '), max_size=8)
floats = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            texts, texts, floats, st.one_of(st.just(np.nan), floats.map(round)), st.booleans()
        ),
        min_size=1,
        max_size=12,
    )
)
def test_odd_values_hash_as_the_reference(rows: list[tuple[str, str, float, float, bool]]) -> None:
    k = np.arange(len(rows)) % len(REAL)
    cols = REAL.take(k)
    cols.source_id = np.array([r[0] for r in rows], dtype=object)
    cols.text = np.array([r[1] for r in rows], dtype=object)
    cols.lon = np.array([r[2] for r in rows], dtype=np.float64)
    cols.best = np.array([r[3] for r in rows], dtype=np.float64)
    cols.equipment_inferred = np.array([r[4] for r in rows], dtype=bool)
    cols.equipment_class = np.array([None if r[4] else "tank" for r in rows], dtype=object)
    assert _rows.content_hashes(cols) == content_hashes(hashed_rows(cols))


def test_event_entries_are_the_canonical_payloads_and_bodies() -> None:
    sids = ["1", 'a"b', "é"]
    hashes = ["a" * 64, "b" * 64, "c" * 64]
    payloads, bodies = _rows.event_entries("ucdp", sids, hashes, ["7", "8", "9"])
    assert payloads == [
        canonical_json({"content_hash": h, "source": "ucdp", "source_id": s})
        for h, s in zip(hashes, sids, strict=True)
    ]
    out, offsets = bodies
    got = [out[a:b].tobytes().decode() for a, b in itertools.pairwise(offsets)]
    assert got == [entry_body("event", r, p) for r, p in zip("789", payloads, strict=True)]
    expected = chain(
        GENESIS,
        [
            ("event", r, {"content_hash": h, "source": "ucdp", "source_id": s})
            for r, h, s in zip("789", hashes, sids, strict=True)
        ],
    )
    from dmzwatch.events._sha import chain as native_chain
    from dmzwatch.events._sha import hex_strings

    assert hex_strings(native_chain(GENESIS, out, offsets)) == [e[4] for e in expected]


def test_int_list_keeps_none_and_big_numbers() -> None:
    values = np.array([1.0, np.nan, 2.0**70, -3.0])
    assert _rows.int_list(values) == [1, None, 2**70, -3]
    assert _rows.int_list(np.array([1.0, 2.0])) == [1, 2]
    assert isinstance(EventColumns, type)
