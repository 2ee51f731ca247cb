"""Progress bars for long commands (rich), drawn on stderr so stdout stays clean.

Use :func:`progress` around a loop whose total is known (or not), or :func:`track` over an
iterable. Bars show only on an interactive terminal and never with ``--json``; in tests,
pipes and CI they are silent no-ops, so commands print the same output either way.

>>> with progress("Ingesting", total=3, enabled=False) as advance:
...     for _ in range(3):
...         advance(1)
>>> list(track([1, 2], "Checking", enabled=False))
[1, 2]
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Literal, TypeVar

__all__ = ["progress", "track", "wanted"]

T = TypeVar("T")


def wanted(enabled: bool | None = None) -> bool:
    """Whether to draw: never when ``enabled`` is False, else when stderr is a terminal."""
    return enabled is not False and sys.stderr.isatty()


@contextmanager
def progress(
    description: str,
    total: float | None = None,
    *,
    enabled: bool | None = None,
    unit: Literal["items", "bytes"] = "items",
) -> Iterator[Callable[[float], None]]:
    """A progress bar; yields ``advance(n)`` to call as work gets done.

    Parameters
    ----------
    description
        What is being done ("Ingesting events.csv").
    total
        Units of work (rows, bytes, steps); None draws an indeterminate bar (a spinner).
    enabled
        False never draws (pass ``not as_json``); None draws when stderr is a terminal.
    unit
        ``bytes`` shows the amount done in kB/MB/GB and the speed instead of a count.
    """
    if not wanted(enabled):
        yield _ignore
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns: list[ProgressColumn] = [
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
    ]
    if total is None:  # an indeterminate bar: a spinner and the time so far
        columns.append(TimeElapsedColumn())
    elif unit == "bytes":
        columns += [DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn()]
    else:
        columns += [MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(escape(description), total=total)  # a file name is no markup

        def advance(n: float = 1) -> None:
            bar.advance(task, n)

        yield advance


def _ignore(n: float = 1) -> None:
    """Advance nothing (the bar is off)."""


def track(
    items: Iterable[T],
    description: str,
    *,
    total: float | None = None,
    enabled: bool | None = None,
) -> Iterator[T]:
    """Iterate ``items`` with a progress bar (``total`` defaults to ``len(items)``)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with progress(description, total, enabled=enabled) as advance:
        for item in items:
            yield item
            advance(1)
