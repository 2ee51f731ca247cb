"""Settings of the HTTP API: one pydantic-settings object, built at the edge by a factory.

Nothing here runs at import: :func:`load_settings` reads the environment (``DMZWATCH_*``)
when the server starts, and explicit values (from the command line or a test) win.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ApiSettings", "load_settings"]


class ApiSettings(BaseSettings):
    """What the API serves and how much it accepts.

    >>> s = ApiSettings(db="events.db")
    >>> s.scenario, s.reports_path()
    ('idlib-2018', PosixPath('reports'))
    """

    model_config = SettingsConfigDict(env_prefix="DMZWATCH_", frozen=True, extra="forbid")

    db: str = Field(description="SQLite file or postgresql:// URL of the event store")
    scenario: str = Field("idlib-2018", description="Default scenario (name or agreement file)")
    reports_dir: Path | None = Field(
        None, description="Directory of report files (default: 'reports' beside the database)"
    )
    max_body_bytes: int = Field(8 * 1024 * 1024, ge=1024, description="Largest request body")
    max_batch: int = Field(10_000, ge=1, description="Most events in one POST")
    rate_per_s: float = Field(50.0, gt=0, description="Sustained requests per second per token")
    rate_burst: int = Field(200, ge=1, description="Requests a token may send at once")
    anonymous_rate_per_s: float = Field(20.0, gt=0, description="Per client address, no token")
    anonymous_burst: int = Field(100, ge=1)
    page_max: int = Field(10_000, ge=1, description="Most records one GET returns")
    token_cache_s: float = Field(5.0, ge=0, description="How long a checked token is trusted")
    link_quiet_s: float = Field(
        1.0, ge=0, description="Link posted events to duplicates once posting pauses this long"
    )
    auto_check: bool = Field(
        True, description="After linking posted events, re-evaluate the default scenario's rules"
    )

    def reports_path(self) -> Path:
        """The reports directory: the configured one, or ``reports`` beside a database file."""
        if self.reports_dir is not None:
            return self.reports_dir
        if "://" in self.db:
            return Path("reports")
        return Path(self.db).parent / "reports"


def load_settings(**values: Any) -> ApiSettings:
    """Settings from the environment (``DMZWATCH_DB``, ``DMZWATCH_SCENARIO``, ...), with
    ``values`` (those not None) taking precedence."""
    return ApiSettings(**{k: v for k, v in values.items() if v is not None})
