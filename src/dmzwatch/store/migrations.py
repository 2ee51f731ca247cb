"""Numbered schema migrations, applied in order, each in its own transaction.

A migration is a version number, a title and statements per dialect; the versions applied
are recorded in ``schema_migrations``. Never edit a released migration: add the next one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ._db import Database

__all__ = ["MIGRATIONS", "Migration", "migrate"]

_EVENT_COLUMNS = """
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    date_precision TEXT NOT NULL,
    date_precision_days {float} NOT NULL,
    lon {float} NOT NULL,
    lat {float} NOT NULL,
    location_precision TEXT NOT NULL,
    precision_km {float} NOT NULL,
    equipment_class TEXT,
    equipment_count {int},
    equipment_inferred {bool} NOT NULL,
    inferred_from TEXT NOT NULL,
    actors TEXT NOT NULL,
    fatalities_best {int},
    fatalities_low {int},
    fatalities_high {int},
    civilians {int},
    text TEXT NOT NULL,
    original TEXT NOT NULL,
    original_hash TEXT NOT NULL,
    content_hash TEXT NOT NULL,
"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    title: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]


_COMMON_1 = (
    """CREATE TABLE ingests (
        id {id},
        file TEXT NOT NULL,
        format TEXT NOT NULL,
        source TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        read {int} NOT NULL DEFAULT 0,
        stored {int} NOT NULL DEFAULT 0,
        duplicates {int} NOT NULL DEFAULT 0,
        quarantined {int} NOT NULL DEFAULT 0
    )""",
    "CREATE TABLE events (id {id},"
    + _EVENT_COLUMNS
    + """
        ingest_id {int},
        line {int},
        UNIQUE (source, source_id)
    )""",
    "CREATE INDEX events_time ON events (start_time)",
    "CREATE INDEX events_content ON events (content_hash)",
    """CREATE TABLE quarantine (
        id {id},
        source TEXT NOT NULL,
        file TEXT NOT NULL,
        line {int},
        row_hash TEXT NOT NULL,
        problems TEXT NOT NULL,
        original TEXT NOT NULL,
        ingest_id {int},
        UNIQUE (source, row_hash)
    )""",
    """CREATE TABLE links (
        id {id},
        event_a {int} NOT NULL,
        event_b {int} NOT NULL,
        reason TEXT NOT NULL,
        UNIQUE (event_a, event_b)
    )""",
    """CREATE TABLE evidence (
        seq {int} PRIMARY KEY,
        kind TEXT NOT NULL,
        record_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    "CREATE INDEX evidence_record ON evidence (kind, record_id)",
    """CREATE TABLE bundles (
        hash TEXT PRIMARY KEY,
        party TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        records {int} NOT NULL,
        merged {int} NOT NULL
    )""",
)

_MIGRATION_3 = (
    "DROP INDEX IF EXISTS events_content",
    "CREATE INDEX IF NOT EXISTS events_ingest ON events (ingest_id)",
)

# One quarantine row per refusal: the same row is kept once for each file and line that
# refused it (a row without a line once per file), and re-ingesting a file adds nothing.
_QUARANTINE_KEY = (
    "CREATE UNIQUE INDEX quarantine_refusal ON quarantine (source, row_hash, file, "
    "COALESCE(line, -1))"
)

_MIGRATION_4_SQLITE = (
    # SQLite cannot drop a table's UNIQUE constraint: copy the rows, ids included (the
    # evidence entries name them), into a table without it
    """CREATE TABLE quarantine_by_file (
        id {id},
        source TEXT NOT NULL,
        file TEXT NOT NULL,
        line {int},
        row_hash TEXT NOT NULL,
        problems TEXT NOT NULL,
        original TEXT NOT NULL,
        ingest_id {int}
    )""",
    "INSERT INTO quarantine_by_file (id, source, file, line, row_hash, problems, original, "
    "ingest_id) SELECT id, source, file, line, row_hash, problems, original, ingest_id "
    "FROM quarantine ORDER BY id",
    "DROP TABLE quarantine",
    "ALTER TABLE quarantine_by_file RENAME TO quarantine",
    _QUARANTINE_KEY,
)

_MIGRATION_4_POSTGRESQL = (
    # the name PostgreSQL gave migration 1's UNIQUE (source, row_hash)
    "ALTER TABLE quarantine DROP CONSTRAINT quarantine_source_row_hash_key",
    _QUARANTINE_KEY,
)

# The source's own id of a quarantined row (None: the source gives none, or the row could not
# be read into fields): a refusal is corrected once a later ingest stores an event with that id
_MIGRATION_5 = ("ALTER TABLE quarantine ADD COLUMN source_id TEXT",)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "events, quarantine, links, evidence log, bundles", _COMMON_1, _COMMON_1),
    Migration(
        2,
        "PostGIS point geometry with a spatial index (PostgreSQL only)",
        (),
        (
            "CREATE EXTENSION IF NOT EXISTS postgis",
            "ALTER TABLE events ADD COLUMN geom geometry(Point, 4326) GENERATED ALWAYS AS "
            "(ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED",
            "CREATE INDEX events_geom ON events USING GIST (geom)",
        ),
    ),
    Migration(
        3,
        "events by ingest instead of by content hash (no query looks events up by hash)",
        _MIGRATION_3,
        _MIGRATION_3,
    ),
    Migration(
        4,
        "a quarantined row under every file and line that refused it (was: once per source)",
        _MIGRATION_4_SQLITE,
        _MIGRATION_4_POSTGRESQL,
    ),
    Migration(
        5,
        "the source id of each quarantined row, to tell which were corrected since",
        _MIGRATION_5,
        _MIGRATION_5,
    ),
)


def migrate(db: Database) -> list[int]:
    """Apply the migrations not yet applied; returns their versions."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "title TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = {int(v) for (v,) in db.query("SELECT version FROM schema_migrations")}
    applied = []
    for m in MIGRATIONS:
        if m.version in done:
            continue
        with db.transaction():
            if db.scalar("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", (m.version,)):
                continue
            for statement in m.sqlite if db.dialect == "sqlite" else m.postgresql:
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_migrations (version, title, applied_at) VALUES (?, ?, ?)",
                (m.version, m.title, dt.datetime.now(dt.UTC).isoformat()),
            )
        applied.append(m.version)
    return applied
