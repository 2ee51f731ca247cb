"""dmzwatch: monitor and verify demilitarized-zone and ceasefire agreements."""

from .agreement.loader import load_agreement
from .agreement.model import Agreement
from .errors import AgreementError, DmzwatchError, InputError, ScenarioNotFound
from .geo.classify import Classification
from .geo.zones import Zone, ZoneBand
from .places import Place
from .scenario import Scenario, list_scenarios, load_scenario

__all__ = [
    "Agreement",
    "AgreementError",
    "Classification",
    "DmzwatchError",
    "InputError",
    "Place",
    "Scenario",
    "ScenarioNotFound",
    "Zone",
    "ZoneBand",
    "__version__",
    "list_scenarios",
    "load_agreement",
    "load_scenario",
]

__version__ = "0.1.0"
