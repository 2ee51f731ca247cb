"""Errors raised by dmzwatch.

Every error derives from :class:`DmzwatchError` and carries its context as attributes.
Each class knows the HTTP status and the CLI exit code it maps to::

    DmzwatchError
    ├── AgreementError          an agreement file is invalid (lists every problem)
    ├── ScenarioNotFound        no built-in scenario or file by that name
    ├── InputError              a user-supplied input file or value is unusable
    │   ├── RowRejected         one input row fails validation (source, row, field, value, reason)
    │   └── PayloadTooLarge     a request body or batch is over its limit (413)
    ├── Unauthorized            no valid API token was given (401)
    │   └── Forbidden           the token's role may not do this (403)
    ├── NotFound                a requested record or file does not exist (404)
    ├── RateLimited             too many requests for one token; ``retry_after`` seconds (429)
    ├── ExternalToolError       a program dmzwatch runs (Chromium for PDF) is missing or failed
    ├── BundleError             a signed bundle is forged, altered or not trusted (refused)
    └── IntegrityError          the evidence log is broken (names the first broken record)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "AgreementError",
    "BundleError",
    "DmzwatchError",
    "ExternalToolError",
    "Forbidden",
    "InputError",
    "IntegrityError",
    "NotFound",
    "PayloadTooLarge",
    "Problem",
    "RateLimited",
    "RowRejected",
    "ScenarioNotFound",
    "Unauthorized",
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


class PayloadTooLarge(InputError):
    """A request body or a batch is larger than the configured limit."""

    http_status = 413

    def __init__(self, size: int, limit: int, what: str = "request body") -> None:
        self.size = size
        self.limit = limit
        super().__init__(f"{what} too large: {size} > {limit}")


class Unauthorized(DmzwatchError):
    """No valid API token: none given where one is needed, or an unknown or revoked one."""

    http_status = 401
    exit_code = 5


class Forbidden(Unauthorized):
    """The token is valid but its role may not do this."""

    http_status = 403


class NotFound(DmzwatchError):
    """A requested record or file does not exist."""

    http_status = 404
    exit_code = 4


class RateLimited(DmzwatchError):
    """Too many requests for one token; try again after ``retry_after`` seconds."""

    http_status = 429
    exit_code = 6

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"rate limit exceeded; retry after {retry_after:.1f} s")


class ExternalToolError(DmzwatchError):
    """A program dmzwatch runs (e.g. Chromium to print a PDF) is missing or failed."""

    http_status = 503
    exit_code = 7

    def __init__(self, tool: str, message: str) -> None:
        self.tool = tool
        super().__init__(message)


class BundleError(DmzwatchError):
    """A signed bundle is refused: bad signature, untrusted key, broken chain or content."""

    http_status = 422
    exit_code = 8


class IntegrityError(DmzwatchError):
    """The evidence log or a record it covers was altered, removed, inserted or reordered."""

    http_status = 409
    exit_code = 9

    def __init__(self, record: str, reason: str) -> None:
        self.record = record
        self.reason = reason
        super().__init__(f"evidence log broken at {record}: {reason}")
