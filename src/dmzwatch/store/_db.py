"""One connection, two dialects: SQLite (a file) and PostgreSQL/PostGIS (a URL).

SQL is written once with ``?`` placeholders and ``{id}``, ``{float}``, ``{int}``, ``{bool}``
type slots; :meth:`Database.sql` adapts it to the dialect.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import InputError

__all__ = [
    "CACHE_KIB",
    "CONNECT_TIMEOUT_S",
    "COPY_MIN_ROWS",
    "INT64_MAX",
    "PAGE_SIZE",
    "Database",
    "connect",
    "redacted",
]

#: Page size of new SQLite files, and the page cache of a connection (KiB): the
#: indexes of a few million events stay in memory while an ingest writes them.
PAGE_SIZE = 16384
CACHE_KIB = 131072
#: The smallest batch that PostgreSQL receives with COPY instead of row by row.
COPY_MIN_ROWS = 64
#: Seconds to wait for a PostgreSQL server to answer before giving up.
CONNECT_TIMEOUT_S = 10
#: The largest integer either backend stores (ids, counts, lines are 64-bit).
INT64_MAX = 2**63 - 1

_TYPES = {
    "sqlite": {"id": "INTEGER PRIMARY KEY", "float": "REAL", "int": "INTEGER", "bool": "INTEGER"},
    "postgresql": {
        "id": "BIGSERIAL PRIMARY KEY",
        "float": "DOUBLE PRECISION",
        "int": "BIGINT",
        "bool": "BOOLEAN",
    },
}


class Database:
    """A connection in autocommit mode; :meth:`transaction` groups statements.

    The connection may be handed to another thread (an ingest writes from one), but is
    used by one thread at a time.
    """

    def __init__(self, conn: Any, dialect: str, where: str) -> None:
        self.conn = conn
        self.dialect = dialect
        self.where = where

    @property
    def errors(self) -> tuple[type[Exception], ...]:
        """The driver's errors for a query the database refuses (a missing table, ...)."""
        if self.dialect == "sqlite":
            return (sqlite3.DatabaseError,)
        import psycopg

        return (psycopg.DatabaseError,)

    def storable(self, value: object) -> bool:
        """Whether a column of this database can hold ``value``: an int of 64 bits, and on
        PostgreSQL a str without NUL characters (its text cannot hold them). No stored row
        equals a value that is not storable: a filter on one matches nothing, on both
        backends, instead of failing on one of them.

        >>> db = Database(None, "postgresql", "")
        >>> db.storable(2**63 - 1), db.storable(2**63), db.storable("a\\x00b"), db.storable("ab")
        (True, False, False, True)
        """
        if isinstance(value, int):
            return -INT64_MAX - 1 <= value <= INT64_MAX
        if isinstance(value, str) and self.dialect == "postgresql":
            return "\x00" not in value
        return True

    def sql(self, text: str) -> str:
        """``text`` with the dialect's placeholders and types."""
        types = _TYPES[self.dialect]
        for key, value in types.items():
            text = text.replace("{" + key + "}", value)
        if self.dialect == "postgresql":
            text = text.replace("?", "%s")
        return text

    def execute(self, text: str, params: Sequence[Any] = ()) -> Any:
        cur = self.conn.cursor()
        cur.execute(self.sql(text), tuple(params))
        return cur

    def executemany(self, text: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run ``text`` for each row; the number of rows changed (-1 when unknown)."""
        rows = list(rows)
        if not rows:
            return 0
        cur = self.conn.cursor()
        cur.executemany(self.sql(text), rows)
        return int(cur.rowcount) if cur.rowcount is not None else -1

    def insert_rows(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        skip_conflicts: bool = False,
    ) -> int:
        """Insert ``rows`` (values of ``columns``, in order) into ``table``; with
        ``skip_conflicts``, rows that break a unique constraint are left out.

        Returns the rows inserted, or -1 when the driver cannot tell. Rows are bound one by
        one, except that PostgreSQL receives a batch of :data:`COPY_MIN_ROWS` or more
        without conflicts to skip as one ``COPY`` stream, several times faster.
        """
        rows = list(rows)
        if not rows:
            return 0
        names = ", ".join(columns)
        if self.dialect == "postgresql" and not skip_conflicts and len(rows) >= COPY_MIN_ROWS:
            with self.conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return len(rows)
        marks = ", ".join("?" * len(columns))
        conflict = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
        return self.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks}){conflict}", rows)

    def query(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cur = self.execute(text, params)
        return list(cur.fetchall())

    def scalar(self, text: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(text, params).fetchone()
        return None if row is None else row[0]

    def has_table(self, name: str) -> bool:
        """Whether a table ``name`` exists (in the current schema, on PostgreSQL)."""
        if self.dialect == "sqlite":
            sql = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
        else:
            sql = (
                "SELECT COUNT(*) FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename = ?"
            )
        return bool(self.scalar(sql, (name,)))

    @contextmanager
    def transaction(self, lock: bool = True) -> Iterator[None]:
        """One transaction; with ``lock``, writers are serialized (the evidence chain needs it)."""
        if self.dialect == "sqlite":
            self.conn.execute("BEGIN IMMEDIATE" if lock else "BEGIN")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        else:
            with self.conn.transaction():
                if lock:
                    self.conn.execute("SELECT pg_advisory_xact_lock(727274)")
                yield

    def close(self) -> None:
        self.conn.close()


def redacted(url: str) -> str:
    """``url`` with its password (if any) shown as ``***``, to print or log.

    >>> redacted("postgresql://monitor:s3cret@db.example:5432/dmz")
    'postgresql://monitor:***@db.example:5432/dmz'
    """
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url
    if not password:
        return url
    user, _, host = parts.netloc.rpartition("@")
    name = user.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{name}:***@{host}"))


def _session(conn: Any, where: str) -> None:
    """Make a PostgreSQL session read and write what SQLite does: text as UTF-8 (whatever
    ``PGCLIENTENCODING`` or the role's settings say) and floats in full (a database or role
    may set ``extra_float_digits`` below 1, which rounds them to 15 digits); a database that
    cannot hold every character (not UTF8) is refused."""
    encoding = conn.info.parameter_status("server_encoding")
    if encoding != "UTF8":
        conn.close()
        raise InputError(
            f"cannot use {where} as a store: its encoding is {encoding}, and a store needs "
            "UTF8 to keep every place name (create it with ENCODING 'UTF8')"
        )
    conn.execute("SET client_encoding TO 'UTF8'")
    conn.execute("SET extra_float_digits TO 3")


def connect(url: str | Path) -> Database:
    """A SQLite file path (or ``sqlite:///path``) or a ``postgresql://`` URL."""
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is a dependency
            raise InputError(
                "the PostGIS store needs psycopg: pip install 'psycopg[binary]'"
            ) from exc
        # a server that does not answer is an error after a while, not a hang
        try:
            conninfo = text
            if "connect_timeout" not in text:
                conninfo = psycopg.conninfo.make_conninfo(text, connect_timeout=CONNECT_TIMEOUT_S)
            conn = psycopg.connect(conninfo, autocommit=True)
        except psycopg.Error as exc:
            detail = " ".join(str(exc).split())
            raise InputError(f"cannot connect to {redacted(text)}: {detail}") from exc
        _session(conn, redacted(text))
        return Database(conn, "postgresql", redacted(text))
    path = Path(text.removeprefix("sqlite:///")).expanduser()
    if path.parent and not path.parent.exists():
        raise InputError(f"cannot open the store {path}: {path.parent} does not exist")
    try:
        lite = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
        lite.execute(f"PRAGMA page_size={PAGE_SIZE}")  # new files only (rows are ~2 kB)
        lite.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a killed process loses nothing committed; only a power cut may
        # lose the last commits (never consistency)
        lite.execute("PRAGMA synchronous=NORMAL")
        lite.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        lite.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error as exc:
        raise InputError(f"cannot open the store {path}: {exc}") from exc
    return Database(lite, "sqlite", str(path))
