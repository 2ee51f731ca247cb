"""What the routes share, per app: settings, the event store, tokens, the scenarios.

One :class:`Services` object is built by :func:`~dmzwatch.api.app.create_app` and kept on
``app.state.dmzwatch``; routes reach it through :func:`services`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from ..errors import ScenarioNotFound
from ..scenario import Scenario, list_scenarios, load_scenario
from ..store import Store, open_store
from .auth import Authenticator, RateLimiter
from .evaluate import run_check
from .patrol import CoverageCache
from .records import FindingCache
from .settings import ApiSettings
from .submit import Linker, ensure_tables
from .tokens import TokenStore

__all__ = ["Services", "services"]

T = TypeVar("T")
logger = logging.getLogger(__name__)


class Services:
    """Per-app state: built once at start-up, read by every request."""

    def __init__(self, settings: ApiSettings) -> None:
        self.settings = settings
        self._cache: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self._opened: list[Store] = []
        self._opened_lock = threading.Lock()
        ensure_tables(self.store())
        self.tokens = TokenStore(self.store)
        self.auth = Authenticator(
            self.tokens,
            per_token=RateLimiter(settings.rate_per_s, settings.rate_burst),
            anonymous=RateLimiter(settings.anonymous_rate_per_s, settings.anonymous_burst),
            cache_s=settings.token_cache_s,
        )
        self.findings = FindingCache()
        self.patrol = CoverageCache()
        self.linker = Linker(
            lambda: open_store(settings.db),
            quiet_s=settings.link_quiet_s,
            then=self._check if settings.auto_check else None,
        )

    def _check(self, store: Store) -> None:
        summary = run_check(store, self.scenario())
        logger.info("rules re-evaluated after new events: %s", summary)

    def store(self) -> Store:
        """This thread's connection to the event store (opened on first use).

        SQLite connections belong to the thread that opened them; the server's worker
        threads are long-lived, so each keeps its own.
        """
        found: Store | None = getattr(self._local, "store", None)
        if found is None:
            found = open_store(self.settings.db)
            self._local.store = found
            with self._opened_lock:
                self._opened.append(found)
        return found

    def close(self) -> None:
        """Close every thread's store connection (when the app stops)."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for store in opened:
            try:
                store.close()
            except Exception:  # one failing connection does not keep the others open
                logger.exception("closing a store connection failed")
        self._local = threading.local()

    def scenario_names(self) -> list[str]:
        """Names clients may ask for: the built-in scenarios and the configured default."""
        names = list_scenarios()
        if self.settings.scenario not in names:
            names.append(self.settings.scenario)
        return names

    def scenario(self, name: str | None = None) -> Scenario:
        """The scenario called ``name`` (default: the configured one).

        Only the names of :meth:`scenario_names` are accepted, and the name the scenario list
        gives the default (its agreement's id, where the server was started on an agreement
        file): a client cannot make the server read an arbitrary agreement file.
        """
        name = name or self.settings.scenario
        names = self.scenario_names()
        if name not in names:
            default = load_scenario(self.settings.scenario)
            if name == default.name:
                return default
            raise ScenarioNotFound(name, names)
        return load_scenario(name)

    def cached(self, kind: str, key: str, build: Callable[[], T]) -> T:
        """``build()`` computed once per (kind, key) and kept for the app's life."""
        hit = self._cache.get((kind, key))
        if hit is None:
            with self._lock:
                hit = self._cache.get((kind, key))
                if hit is None:
                    hit = build()
                    self._cache[(kind, key)] = hit
        out: T = hit
        return out


def services(request: Request) -> Services:
    """The app's :class:`Services`."""
    found: Services = request.app.state.dmzwatch
    return found
