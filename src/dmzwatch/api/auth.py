"""Who is asking, and may they: bearer tokens, roles and per-token rate limits.

Each route declares the roles it admits with one of the dependencies below
(:data:`Anyone`, :data:`Reader`, :data:`Submitter`, :data:`Admin`). A request without
``Authorization`` is anonymous; a malformed, unknown or revoked token is refused with 401
wherever it is sent; a known token whose role the route does not admit gets 403. Every
request counts against its token's bucket (anonymous ones against their client address).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from ..errors import Forbidden, RateLimited, Unauthorized
from .tokens import ApiToken, Role, TokenStore, hash_token

__all__ = [
    "Admin",
    "Anyone",
    "Authenticator",
    "Principal",
    "RateLimiter",
    "Reader",
    "Submitter",
]

# Declares the scheme in the OpenAPI document for the routes that need a token (open routes
# declare none: a token there is optional); the header itself is read by Authenticator.
_bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer TOKEN`")


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: a token, or nobody (anonymous) from a client address."""

    token: ApiToken | None
    client: str

    @property
    def role(self) -> Role | None:
        return self.token.role if self.token else None

    @property
    def party(self) -> str | None:
        return self.token.party if self.token else None

    @property
    def rate_key(self) -> str:
        return self.token.id if self.token else f"addr:{self.client}"


class RateLimiter:
    """Token buckets per key: ``rate`` requests per second, up to ``burst`` at once.

    >>> now = [0.0]
    >>> limiter = RateLimiter(rate=1.0, burst=2, clock=lambda: now[0])
    >>> [limiter.hit("k") for _ in range(3)]
    [None, None, 1.0]
    >>> now[0] = 1.0
    >>> limiter.hit("k") is None
    True
    """

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Take one request from ``key``'s bucket; None when allowed, else seconds to wait."""
        now = self._clock()
        with self._lock:
            level, last = self._buckets.get(key, (self.burst, now))
            level = min(self.burst, level + (now - last) * self.rate)
            if level < 1.0:
                self._buckets[key] = (level, now)
                return (1.0 - level) / self.rate
            self._buckets[key] = (level - 1.0, now)
            if len(self._buckets) > 100_000:
                self._prune(now)
        return None

    def _prune(self, now: float) -> None:
        full = [
            k
            for k, (level, last) in self._buckets.items()
            if level + (now - last) * self.rate >= self.burst
        ]
        for k in full:
            del self._buckets[k]


class Authenticator:
    """Checks bearer tokens against the token store (with a short cache) and rate limits."""

    def __init__(
        self,
        tokens: TokenStore,
        *,
        per_token: RateLimiter,
        anonymous: RateLimiter,
        cache_s: float = 5.0,
    ) -> None:
        self.tokens = tokens
        self.per_token = per_token
        self.anonymous = anonymous
        self.cache_s = cache_s
        self._cache: dict[str, tuple[ApiToken, float]] = {}

    def forget(self) -> None:
        """Drop cached tokens (after a revocation)."""
        self._cache.clear()

    def identify(self, authorization: str | None, client: str) -> Principal:
        """The caller named by an ``Authorization`` header value (None: anonymous)."""
        if authorization is None:
            principal = Principal(None, client)
            wait = self.anonymous.hit(principal.rate_key)
        else:
            scheme, _, secret = authorization.partition(" ")
            secret = secret.strip()
            if scheme.lower() != "bearer" or not secret:
                raise Unauthorized("the Authorization header must read 'Bearer TOKEN'")
            token = self._lookup(secret)
            if token is None:
                raise Unauthorized("unknown or revoked API token")
            principal = Principal(token, client)
            wait = self.per_token.hit(principal.rate_key)
        if wait is not None:
            raise RateLimited(wait)
        return principal

    def _lookup(self, secret: str) -> ApiToken | None:
        digest = hash_token(secret)
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit is not None and hit[1] > now:
            return hit[0]
        token = self.tokens.authenticate(secret)
        if token is not None and self.cache_s > 0:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (token, now + self.cache_s)
        return token


def _identify(request: Request) -> Principal:
    auth: Authenticator = request.app.state.dmzwatch.auth
    client = request.client.host if request.client else "unknown"
    return auth.identify(request.headers.get("authorization"), client)


def _admit(*roles: Role) -> Callable[[Principal, object], Principal]:
    allowed = frozenset(roles)
    names = ", ".join(r.value for r in roles)

    def check(
        principal: Annotated[Principal, Depends(_identify)],
        _: Annotated[object, Depends(_bearer)],
    ) -> Principal:
        if principal.token is None:
            raise Unauthorized(f"this needs an API token (role: {names})")
        if principal.role not in allowed:
            raise Forbidden(f"role {principal.role} may not do this (allowed: {names})")
        return principal

    return check


Anyone = Annotated[Principal, Depends(_identify)]
"""Anyone, tokens or not (a token that is sent must be valid)."""
Reader = Annotated[Principal, Depends(_admit(Role.ADMIN, Role.MONITOR, Role.ANALYST))]
"""Any valid token."""
Submitter = Annotated[Principal, Depends(_admit(Role.ADMIN, Role.MONITOR))]
"""Tokens that may submit events: monitors (as their party) and admins."""
Admin = Annotated[Principal, Depends(_admit(Role.ADMIN))]
"""Admin tokens only."""
