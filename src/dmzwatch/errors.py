"""Errors raised by dmzwatch.

Every error derives from :class:`DmzwatchError` and carries its context as attributes.
Each class knows the HTTP status and the CLI exit code it maps to::

    DmzwatchError
    ├── AgreementError          an agreement file is invalid (lists every problem)
    ├── ScenarioNotFound        no built-in scenario or file by that name
    └── InputError              a user-supplied input file or value is unusable
        └── RowRejected         one input row fails validation (source, row, field, value, reason)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "AgreementError",
    "DmzwatchError",
    "InputError",
    "Problem",
    "RowRejected",
    "ScenarioNotFound",
]


class DmzwatchError(Exception):
    """Base of every error dmzwatch raises on purpose."""

    http_status: int = 500
    exit_code: int = 1


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a file: where (a dotted key path) and what."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key or '(top level)'}: {self.message}"


class AgreementError(DmzwatchError):
    """An agreement file is invalid; ``problems`` lists everything wrong with it."""

    http_status = 422
    exit_code = 3

    def __init__(self, source: str | Path, problems: Sequence[Problem]) -> None:
        self.source = str(source)
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = [f"{self.source}: invalid agreement ({count} problem{'s' * (count != 1)}):"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class ScenarioNotFound(DmzwatchError):
    """No built-in scenario has this name and no agreement file exists at this path."""

    http_status = 404
    exit_code = 4

    def __init__(self, name: str, available: Sequence[str]) -> None:
        self.name = name
        self.available = tuple(available)
        super().__init__(
            f"no scenario {name!r}: give a built-in name ({', '.join(self.available)}) "
            "or the path of an agreement .toml file"
        )


class InputError(DmzwatchError):
    """A user-supplied input file or value cannot be used."""

    http_status = 400
    exit_code = 2


class RowRejected(InputError):
    """One input row fails validation."""

    def __init__(self, source: str, row: int, field: str, value: object, reason: str) -> None:
        self.source = source
        self.row = row
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{source}, row {row}, field {field!r} = {value!r}: {reason}")
