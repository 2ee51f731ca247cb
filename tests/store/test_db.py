"""Connecting (a server that cannot be reached is a clear error without secrets) and bulk
inserts, on both backends."""

from __future__ import annotations

import itertools
import os
import socket
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, example, given, settings

from dmzwatch.errors import InputError
from dmzwatch.events.readers import parse_map_options
from dmzwatch.store import ingest, open_store, verify
from dmzwatch.store._db import COPY_MIN_ROWS, connect, redacted

from .conftest import PostgresServer


def test_redacted_hides_only_the_password() -> None:
    assert redacted("postgresql://mon:s3cret@h:5432/d") == "postgresql://mon:***@h:5432/d"
    assert redacted("postgresql://mon@h/d") == "postgresql://mon@h/d"
    assert redacted("postgresql://h/d?sslmode=require") == "postgresql://h/d?sslmode=require"


def test_an_unreachable_server_is_an_input_error_without_the_password() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://monitor:s3cret@127.0.0.1:{port}/dmz"
    with pytest.raises(InputError, match="cannot connect to") as caught:
        open_store(url)
    message = str(caught.value)
    assert "s3cret" not in message and "monitor:***@127.0.0.1" in message
    assert "\n" not in message


_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
_ROW = st.tuples(
    _TEXT,
    st.none() | _TEXT,
    st.floats(allow_nan=False, allow_infinity=False),
    st.none() | st.integers(-(2**63), 2**63 - 1),
    st.booleans(),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(_ROW, max_size=2 * COPY_MIN_ROWS))
@example(
    rows=[
        (f"tab\there\\N {i}", None if i % 3 else "line\nbreak\r\"q'", -0.5 * i, i - 40, i % 2 == 0)
        for i in range(COPY_MIN_ROWS + 3)
    ]
)
def test_inserted_rows_come_back_exactly(store_url: str, rows: list[tuple[Any, ...]]) -> None:
    """Row by row or as one COPY stream (PostgreSQL, from COPY_MIN_ROWS rows), every value
    comes back as it went in: tabs, newlines, backslashes and quotes in text included."""
    with open_store(store_url) as store:
        db = store.db
        db.execute(
            "CREATE TABLE IF NOT EXISTS kept (pos {int} PRIMARY KEY, a TEXT NOT NULL, b TEXT, "
            "x {float} NOT NULL, n {int}, flag {bool} NOT NULL)"
        )
        db.execute("DELETE FROM kept")
        with db.transaction():
            done = db.insert_rows(
                "kept", ("pos", "a", "b", "x", "n", "flag"), [(i, *r) for i, r in enumerate(rows)]
            )
        assert done in (len(rows), -1)
        back = db.query("SELECT a, b, x, n, flag FROM kept ORDER BY pos")
    assert [(a, b, float(x), n, bool(f)) for a, b, x, n, f in back] == rows


def test_conflicting_rows_are_skipped_only_when_asked(store_url: str) -> None:
    rows = [(i, f"r{i}") for i in range(COPY_MIN_ROWS + 5)]
    with open_store(store_url) as store:
        db = store.db
        db.execute("CREATE TABLE uniq (k {int} PRIMARY KEY, v TEXT NOT NULL)")
        with db.transaction():
            db.insert_rows("uniq", ("k", "v"), rows)
        again = [(i, "new") for i in range(COPY_MIN_ROWS, COPY_MIN_ROWS + 10)]
        with db.transaction():
            db.insert_rows("uniq", ("k", "v"), again, skip_conflicts=True)
        assert db.scalar("SELECT COUNT(*) FROM uniq") == COPY_MIN_ROWS + 10
        assert db.scalar("SELECT v FROM uniq WHERE k = ?", (COPY_MIN_ROWS,)) == f"r{COPY_MIN_ROWS}"
        with pytest.raises(db.errors), db.transaction():
            db.insert_rows("uniq", ("k", "v"), rows)
        assert db.scalar("SELECT COUNT(*) FROM uniq") == COPY_MIN_ROWS + 10


def _database(server: PostgresServer, settings: str) -> str:
    """A new database of ``server`` made with ``settings`` (after CREATE DATABASE name)."""
    import psycopg

    name = f"odd{os.getpid()}_{next(_made)}"
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} {settings}")
    return server.url(name)


_made = itertools.count()


def test_floats_come_back_in_full_whatever_the_database_sets(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    """A database (or role) may set extra_float_digits to 0, which rounds the floats it
    sends to 15 digits: the store would show other coordinates than SQLite, and find its
    events altered."""
    url = _database(postgres, "")
    import psycopg

    with psycopg.connect(postgres.url(), autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {url.rsplit('/', 1)[1]} SET extra_float_digits = 0")
    path = tmp_path / "p.csv"
    path.write_text("id,day,x,y\np1,2018-10-20,36.123456789012345,35.000000000000004\n")
    mapping = parse_map_options(["source_id=id", "date=day", "lon=x", "lat=y"], "obs")
    with open_store(url) as store:
        ingest(store, path, mapping=mapping)
        ((_, event),) = store.events()
        assert verify(store).ok
    assert (event.lon, event.lat) == (36.123456789012345, 35.000000000000004)


@pytest.mark.parametrize("encoding", ["LATIN1", "SQL_ASCII"])
def test_a_database_that_is_not_utf8_is_refused_by_name(
    postgres: PostgresServer, encoding: str
) -> None:
    """Arabic place names cannot be stored in LATIN1, and SQL_ASCII sends text back as
    bytes: either failed in the middle of an ingest."""
    url = _database(postgres, f"ENCODING '{encoding}' LOCALE 'C' TEMPLATE template0")
    with pytest.raises(InputError, match=f"encoding is {encoding}.*needs UTF8") as caught:
        open_store(url)
    assert url.rsplit("/", 1)[1] in str(caught.value)


def test_text_is_utf8_whatever_the_client_environment_says(
    postgres: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGCLIENTENCODING", "LATIN1")
    path = tmp_path / "p.csv"
    path.write_text("id,day,x,y,note\np1,2018-10-20,36.7,35.4,سراقب 😀\n", encoding="utf-8")
    mapping = parse_map_options(["source_id=id", "date=day", "lon=x", "lat=y", "text=note"], "o")
    with open_store(postgres.create_db()) as store:
        ingest(store, path, mapping=mapping)
        ((_, event),) = store.events()
    assert event.text == "سراقب 😀"


def test_a_store_path_with_a_tilde_is_in_the_home_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    db = connect("~/home.db")
    db.close()
    assert (tmp_path / "home.db").is_file()
    assert not Path("~").exists()
