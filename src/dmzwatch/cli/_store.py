"""Opening the store: a mistyped path is an error, not a new store, and a file that is not
a dmzwatch store is refused rather than given the store's tables."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["existing_store", "require_store", "store_for_writing"]


def _sqlite_path(db: str) -> Path | None:
    """The SQLite file ``db`` names (``~`` expanded), or None for a server URL."""
    if "://" in db and not db.startswith("sqlite:///"):
        return None
    return Path(db.removeprefix("sqlite:///")).expanduser()


def _check_is_store(db: str, path: Path) -> None:
    """Refuse a directory, or a file that is no SQLite database or holds no dmzwatch store.

    The file is opened read-only: a refused file is left exactly as it was (opening it as a
    store would add the store's tables to it and switch it to WAL).
    """
    if path.is_dir():
        raise InputError(
            f"{db} is a directory: give the store's file, e.g. --db {path / 'idlib.db'}"
        )
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = conn.execute(
                "SELECT COUNT(*) FROM sqlite_master "
                "WHERE type = 'table' AND name IN ('schema_migrations', 'evidence')"
            ).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{db} is not a dmzwatch store (not a SQLite database: {exc})") from None
    if found < 2:
        raise InputError(
            f"{db} is not a dmzwatch store (a SQLite database without its tables); "
            "give another --db, the file is left as it is"
        )


def require_store(db: str) -> None:
    """Refuse a SQLite path with no store (a ``postgresql://`` URL is checked on connecting).

    Opening a missing SQLite path would create an empty store, and a reading command would
    then report nothing to see (``verify``: an intact, empty log) instead of the typo.
    """
    path = _sqlite_path(db)
    if path is None:
        return
    if path.is_dir():
        _check_is_store(db, path)
    if not path.is_file():
        raise InputError(f"no store at {db}: ingest events first (dmzwatch ingest FILE --db {db})")
    if path.stat().st_size == 0:
        raise InputError(f"no store at {db}: the file is empty (ingest events into it first)")
    _check_is_store(db, path)


def existing_store(db: str) -> Store:
    """The store at ``db``, which must exist."""
    require_store(db)
    from ..store import open_store

    return open_store(db)


def store_for_writing(db: str) -> Store:
    """The store at ``db``, created when the path is free (or an empty file)."""
    from ..store import open_store

    path = _sqlite_path(db)
    if path is None:
        return open_store(db)
    if path.is_dir() or (path.is_file() and path.stat().st_size > 0):
        _check_is_store(db, path)
    return open_store(db)
