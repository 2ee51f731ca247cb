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
    lines = np.array([2, 812, 10**12], dtype=np.int64)
    payloads, bodies = _rows.event_entries("ucdp", sids, hashes, ["7", "8", "9"], 3, lines)
    dicts = [
        {"content_hash": h, "ingest": 3, "line": int(n), "source": "ucdp", "source_id": s}
        for h, s, n in zip(hashes, sids, lines, strict=True)
    ]
    assert payloads == [canonical_json(d) for d in dicts]
    assert payloads[1] == (
        '{"content_hash":"' + "b" * 64 + '","ingest":3,"line":812,"source":"ucdp",'
        '"source_id":"a\\"b"}'
    )
    out, offsets = bodies
    got = [out[a:b].tobytes().decode() for a, b in itertools.pairwise(offsets)]
    assert got == [entry_body("event", r, p) for r, p in zip("789", payloads, strict=True)]
    expected = chain(GENESIS, [("event", r, d) for r, d in zip("789", dicts, strict=True)])
    from dmzwatch.events._sha import chain as native_chain
    from dmzwatch.events._sha import hex_strings

    assert hex_strings(native_chain(GENESIS, out, offsets)) == [e[4] for e in expected]


def _texts(built: tuple[np.ndarray, np.ndarray]) -> list[bytes]:
    out, offsets = built
    return [out[a:b].tobytes() for a, b in itertools.pairwise(offsets.tolist())]


hex_hashes = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
line_numbers = st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1))


@settings(max_examples=80, deadline=None)
@given(
    source=texts,
    rows=st.lists(st.tuples(texts, hex_hashes, line_numbers), max_size=10),
    ingest=st.one_of(st.none(), st.integers(0, 2**62)),
    as_array=st.booleans(),
)
def test_event_entries_batch_and_reference_paths_give_the_same_bytes(
    source: str, rows: list[tuple[str, str, int | None]], ingest: int | None, as_array: bool
) -> None:
    """Any ids, hashes, ingest and lines (None: null): the batch path writes exactly the
    reference path's bytes, which are ``canonical_json`` of the payload (sorted keys)."""
    sids = [r[0] for r in rows]
    hashes = [r[1] for r in rows]
    record_ids = [str(i + 1) for i in range(len(rows))]
    lines: list[int | None] | np.ndarray = [r[2] for r in rows]
    if as_array and None not in lines:  # the ingest passes its numpy column of lines
        lines = np.array(lines, dtype=np.int64)
    args = (source, sids, hashes, record_ids, ingest, lines)
    payloads, bodies = _rows.event_entries(*args)
    ref_payloads, ref_bodies = _rows.reference_entries(*args)
    fast_payloads, fast_bodies = _rows._built_entries(*args)
    assert payloads == ref_payloads == fast_payloads
    assert _texts(bodies) == _texts(ref_bodies) == _texts(fast_bodies)
    assert payloads == [
        canonical_json(
            {"content_hash": h, "ingest": ingest, "line": n, "source": source, "source_id": s}
        )
        for s, h, n in rows
    ]
    assert [b.decode() for b in _texts(bodies)] == [
        entry_body("event", r, p) for r, p in zip(record_ids, payloads, strict=True)
    ]


def test_event_entries_fall_back_on_values_the_batch_path_refuses() -> None:
    """A line too large for int64 or an id that is not a string: the reference path, same
    payloads as ``canonical_json`` writes (or its error)."""
    payloads, _ = _rows.event_entries("s", ["a"], ["f" * 64], ["1"], None, [2**70])
    assert payloads == [
        canonical_json(
            {
                "content_hash": "f" * 64,
                "ingest": None,
                "line": 2**70,
                "source": "s",
                "source_id": "a",
            }
        )
    ]
    payloads, _ = _rows.event_entries("s", [7], ["f" * 64], ["1"], 1, [3])  # type: ignore[list-item]
    assert payloads == [
        '{"content_hash":"' + "f" * 64 + '","ingest":1,"line":3,"source":"s","source_id":7}'
    ]


def test_int_list_keeps_none_and_big_numbers() -> None:
    values = np.array([1.0, np.nan, 2.0**70, -3.0])
    assert _rows.int_list(values) == [1, None, 2**70, -3]
    assert _rows.int_list(np.array([1.0, 2.0])) == [1, 2]
    assert isinstance(EventColumns, type)
