"""The public API is pinned: a change to it is a deliberate change to this list."""

from __future__ import annotations

import dmzwatch


def test_public_names() -> None:
    assert dmzwatch.__all__ == [
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
    assert sorted(dmzwatch.__all__) == dmzwatch.__all__
    for name in dmzwatch.__all__:
        assert hasattr(dmzwatch, name)
