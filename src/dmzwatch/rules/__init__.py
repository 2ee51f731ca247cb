"""Rules: every clause of an agreement judged on events, each verdict with its evidence.

One small check per rule kind (:mod:`.prohibited`, :mod:`.attacks`, :mod:`.caps`,
:mod:`.withdrawal`), each with a pure ``evaluate``; :mod:`.engine` runs them all.
"""

from .actors import ActorMatcher, Attribution, Blame
from .attacks import AttackCheck
from .base import ATTACK_KINDS, FIRED_FROM_AFAR, ClassMatch, Context, class_match
from .caps import CapCheck
from .engine import Check, Engine, check_for, evaluate
from .finding import Finding, Thresholds, Verdict, finding_id
from .placement import Placement, ZoneFit
from .prohibited import ProhibitedClassCheck
from .table import EventTable, event_id, shape_of
from .timing import EventTimes, RulePeriod, Timing, event_times, rule_period
from .withdrawal import WithdrawalCheck

__all__ = [
    "ATTACK_KINDS",
    "FIRED_FROM_AFAR",
    "ActorMatcher",
    "AttackCheck",
    "Attribution",
    "Blame",
    "CapCheck",
    "Check",
    "ClassMatch",
    "Context",
    "Engine",
    "EventTable",
    "EventTimes",
    "Finding",
    "Placement",
    "ProhibitedClassCheck",
    "RulePeriod",
    "Thresholds",
    "Timing",
    "Verdict",
    "WithdrawalCheck",
    "ZoneFit",
    "check_for",
    "class_match",
    "evaluate",
    "event_id",
    "event_times",
    "finding_id",
    "rule_period",
    "shape_of",
]
