"""The API package's public names are pinned."""

from __future__ import annotations

import dmzwatch.api


def test_public_names() -> None:
    assert dmzwatch.api.__all__ == [
        "ApiSettings",
        "ApiToken",
        "Role",
        "TokenStore",
        "create_app",
        "load_settings",
    ]
    for name in dmzwatch.api.__all__:
        assert hasattr(dmzwatch.api, name)


def test_settings_come_from_the_environment_and_explicit_values_win(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DMZWATCH_DB", "/srv/env.db")
    monkeypatch.setenv("DMZWATCH_RATE_PER_S", "7")
    settings = dmzwatch.api.load_settings(scenario="idlib-m4-2020", reports_dir=None)
    assert settings.db == "/srv/env.db" and settings.rate_per_s == 7.0
    assert settings.scenario == "idlib-m4-2020"
    assert str(settings.reports_path()) == "/srv/reports"
    assert dmzwatch.api.load_settings(db="x.db").db == "x.db"
