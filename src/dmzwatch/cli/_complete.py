"""Shell-completion helpers for option values (``dmzwatch --install-completion``)."""

from __future__ import annotations

__all__ = ["complete_scenario"]


def complete_scenario(incomplete: str) -> list[str]:
    """Built-in scenario names starting with what was typed.

    >>> complete_scenario("idlib")
    ['idlib-2018', 'idlib-m4-2020']
    """
    from ..scenario import list_scenarios

    return [name for name in list_scenarios() if name.startswith(incomplete)]
