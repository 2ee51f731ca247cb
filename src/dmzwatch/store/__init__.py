"""The event store (SQLite or PostGIS), its evidence log, ingest, verification and bundles."""

from .evidence import GENESIS, Entry, EvidenceLog
from .ingest import IngestResult, ingest
from .store import Store, open_store
from .verify import Verification, verify

__all__ = [
    "GENESIS",
    "Entry",
    "EvidenceLog",
    "IngestResult",
    "Store",
    "Verification",
    "ingest",
    "open_store",
    "verify",
]
