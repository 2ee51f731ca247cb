"""Opening the store for commands that read it: a mistyped path is an error, not a new store."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..store import Store, open_store

__all__ = ["existing_store", "require_store"]


def require_store(db: str) -> None:
    """Refuse a SQLite path with no file (a ``postgresql://`` URL is checked on connecting).

    Opening a missing SQLite path would create an empty store, and a reading command would
    then report nothing to see (``verify``: an intact, empty log) instead of the typo.
    """
    if "://" in db and not db.startswith("sqlite:///"):
        return
    path = Path(db.removeprefix("sqlite:///"))
    if not path.is_file():
        raise InputError(f"no store at {db}: ingest events first (dmzwatch ingest FILE --db {db})")
    if path.stat().st_size == 0:
        raise InputError(f"no store at {db}: the file is empty (ingest events into it first)")


def existing_store(db: str) -> Store:
    """The store at ``db``, which must exist."""
    require_store(db)
    return open_store(db)
