"""Batch JSON and sha256: byte for byte what json.dumps and hashlib give, one row at a time."""

from __future__ import annotations

import hashlib
import json

import hypothesis.strategies as st
import numpy as np
from hypothesis import given, settings

from dmzwatch.events import _sha
from dmzwatch.events._json import RAW, Column, build, sha256_rows, texts

values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.text(alphabet=st.sampled_from('"\\\n\r\t\b\f\x00\x1f\x7f é漢\u2028'), max_size=12),
)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(values, values, st.integers(-(10**12), 10**12)), max_size=40))
def test_rows_are_exactly_what_json_dumps_writes(
    rows: list[tuple[str | None, str | None, int]],
) -> None:
    n = len(rows)
    built = build(
        n,
        [
            b'{"a":',
            Column.of_strings([r[0] for r in rows]),
            b',"b":',
            Column.of_strings([r[1] for r in rows]),
            b',"n":',
            Column.of_strings([str(r[2]) for r in rows], RAW),
            b"}",
        ],
    )
    expected = [
        json.dumps({"a": a, "b": b, "n": k}, separators=(",", ":"), ensure_ascii=False)
        for a, b, k in rows
    ]
    assert texts(built) == expected
    assert sha256_rows(built) == [hashlib.sha256(t.encode()).hexdigest() for t in expected]


@settings(max_examples=50, deadline=None)
@given(
    chunks=st.lists(st.binary(max_size=300), max_size=30), start=st.binary(min_size=32, max_size=32)
)
def test_native_digests_and_chain_match_hashlib(chunks: list[bytes], start: bytes) -> None:
    data = np.frombuffer(b"".join(chunks) or b" ", dtype=np.uint8)
    offsets = np.concatenate([[0], np.cumsum([len(c) for c in chunks])]).astype(np.int64)
    prev = start.hex()
    expected_chain = []
    digest = prev
    for c in chunks:
        digest = hashlib.sha256(digest.encode() + c).hexdigest()
        expected_chain.append(digest)
    expected = [hashlib.sha256(c).hexdigest() for c in chunks]
    for native in (True, False):
        saved = _sha._NATIVE
        _sha._NATIVE = native and saved
        try:
            assert _sha.hex_strings(_sha.digests(data, offsets)) == expected
            assert _sha.hex_strings(_sha.chain(prev, data, offsets)) == expected_chain
        finally:
            _sha._NATIVE = saved


def test_the_compiled_loop_is_used_where_openssl_is_there() -> None:
    assert _sha.native()  # the project's machines have libcrypto (hashlib is built on it)


def test_lookup_and_fixed_columns() -> None:
    flags = Column.lookup([b"false", b"true", None], [1, 0, 2])
    days = Column.fixed(np.array([b"2019-01-01", b"2019-01-02", b"2019-01-03"], dtype="S10"))
    assert texts(build(3, [b"[", flags, b',"', days, b'"]'])) == [
        '[true,"2019-01-01"]',
        '[false,"2019-01-02"]',
        '[null,"2019-01-03"]',
    ]
