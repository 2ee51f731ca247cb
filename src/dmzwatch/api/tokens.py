"""API tokens: random secrets stored only as their sha256, each with a role and a party.

A token is shown once, when it is made; the database keeps its sha256, so a copy of the
database does not give anyone access. Roles:

* ``admin``: everything, including managing tokens;
* ``monitor``: bound to a party (e.g. ``TR``); submits events, signed as that party, and reads;
* ``analyst``: reads events, findings, quarantine, reports and the evidence-log status.

Requests without a token may read scenarios, zones and base layers only.

>>> from dmzwatch.store import open_store
>>> db = open_store(":memory:")
>>> store = TokenStore(lambda: db)
>>> token, secret = store.create(Role.MONITOR, party="TR", label="field team 1")
>>> store.authenticate(secret) == token, token.party
(True, 'TR')
>>> store.authenticate("dmzw_wrong") is None
True
>>> db.close()
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..store import Store

__all__ = ["TOKEN_PREFIX", "ApiToken", "Role", "TokenStore", "hash_token"]

TOKEN_PREFIX = "dmzw_"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_tokens (
    id TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    party TEXT,
    label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    revoked_at TEXT
)
"""


class Role(enum.StrEnum):
    """What a token may do.

    >>> Role.parse("Monitor")
    <Role.MONITOR: 'monitor'>
    >>> try:
    ...     Role.parse("guest")
    ... except InputError as exc:
    ...     print(exc)
    unknown role 'guest'; expected one of: admin, monitor, analyst
    """

    ADMIN = "admin"
    MONITOR = "monitor"
    ANALYST = "analyst"

    @classmethod
    def parse(cls, value: str) -> Role:
        """The role named by ``value`` (case ignored)."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            options = ", ".join(r.value for r in cls)
            raise InputError(f"unknown role {value!r}; expected one of: {options}") from None


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A token's public record: never the secret itself."""

    id: str
    role: Role
    party: str | None
    label: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_token(secret: str) -> str:
    """sha256 (hex) of a token's secret, as stored.

    >>> hash_token("dmzw_x")[:12]
    'ab747cdf5fac'
    """
    return hashlib.sha256(secret.encode()).hexdigest()


_COLUMNS = "id, role, party, label, created_at, revoked_at"
_PARTY = re.compile(r"[A-Z0-9_-]{1,16}")  # as the API's token body allows, upper-cased


def _row_token(row: tuple[Any, ...]) -> ApiToken:
    tid, role, party, label, created, revoked = row
    return ApiToken(
        id=tid,
        role=Role(role),
        party=party,
        label=label,
        created_at=dt.datetime.fromisoformat(created),
        revoked_at=dt.datetime.fromisoformat(revoked) if revoked else None,
    )


class TokenStore:
    """The ``api_tokens`` table, kept in the event store's database (created when missing).

    ``store`` gives the calling thread's open :class:`~dmzwatch.store.Store` (SQLite
    connections belong to the thread that opened them).
    """

    def __init__(self, store: Callable[[], Store]) -> None:
        self._store = store
        db = store().db
        with db.transaction():
            db.execute(_SCHEMA)

    def _query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = self._store().db.query(sql, params)
        return rows

    def _write(self, sql: str, params: tuple[object, ...]) -> None:
        db = self._store().db
        with db.transaction():
            db.execute(sql, params)

    def create(
        self, role: Role, *, party: str | None = None, label: str = ""
    ) -> tuple[ApiToken, str]:
        """A new token and its secret (the only time the secret exists in clear).

        A monitor token needs a party; other roles take none.
        """
        party = party.strip().upper() if party else None
        if role is Role.MONITOR and not party:
            raise InputError("a monitor token needs a party (e.g. --party TR)")
        if party and not _PARTY.fullmatch(party):
            raise InputError(
                f"party {party!r}: use 1 to 16 letters (A-Z), digits, '_' or '-' (e.g. TR)"
            )
        if role is not Role.MONITOR and party:
            raise InputError(f"only monitor tokens are bound to a party, not {role.value}")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            id="tok_" + secrets.token_hex(6),
            role=role,
            party=party,
            label=label,
            created_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        )
        self._write(
            "INSERT INTO api_tokens (id, token_sha256, role, party, label, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (token.id, hash_token(secret), role.value, party, label, token.created_at.isoformat()),
        )
        return token, secret

    def authenticate(self, secret: str) -> ApiToken | None:
        """The active token with this secret, or None."""
        rows = self._query(
            f"SELECT {_COLUMNS} FROM api_tokens WHERE token_sha256 = ? AND revoked_at IS NULL",
            (hash_token(secret),),
        )
        return _row_token(rows[0]) if rows else None

    def get(self, token_id: str) -> ApiToken | None:
        """The token with this id (active or revoked), or None."""
        rows = self._query(f"SELECT {_COLUMNS} FROM api_tokens WHERE id = ?", (token_id,))
        return _row_token(rows[0]) if rows else None

    def list(self) -> list[ApiToken]:
        """Every token, oldest first."""
        rows = self._query(f"SELECT {_COLUMNS} FROM api_tokens ORDER BY created_at, id")
        return [_row_token(r) for r in rows]

    def revoke(self, token_id: str) -> ApiToken | None:
        """Revoke a token; returns it (None when there is no such token)."""
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        self._write(
            "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (now, token_id),
        )
        return self.get(token_id)
