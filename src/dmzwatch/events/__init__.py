"""Events: the core model (no I/O), weapon inference, precision tables and validation.

Readers (:mod:`dmzwatch.events.readers`) are adapters and are not imported here.
"""

from .columns import EventColumns, RowProblem
from .infer import Inference, infer_weapon
from .model import Event, EventKind, canonical_json, event_hash
from .precision import Precision, lookup
from .validate import REASONS, SeenIds, validate

__all__ = [
    "REASONS",
    "Event",
    "EventColumns",
    "EventKind",
    "Inference",
    "Precision",
    "RowProblem",
    "SeenIds",
    "canonical_json",
    "event_hash",
    "infer_weapon",
    "lookup",
    "validate",
]
