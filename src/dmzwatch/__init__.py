"""dmzwatch: monitor and verify demilitarized-zone and ceasefire agreements.

The public names are imported on first use (PEP 562), so that ``import dmzwatch`` and the
command line load no geometry, solver or validation library they do not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import AgreementError, DmzwatchError, InputError, ScenarioNotFound

if TYPE_CHECKING:
    from .agreement.loader import load_agreement
    from .agreement.model import Agreement
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

# public name -> the module that defines it, imported when the name is first asked for
_LAZY = {
    "Agreement": ".agreement.model",
    "Classification": ".geo.classify",
    "Place": ".places",
    "Scenario": ".scenario",
    "Zone": ".geo.zones",
    "ZoneBand": ".geo.zones",
    "list_scenarios": ".scenario",
    "load_agreement": ".agreement.loader",
    "load_scenario": ".scenario",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
