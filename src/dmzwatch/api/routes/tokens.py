"""Token management (admin only): list, create, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ...errors import NotFound
from .._errors import ERROR_RESPONSES
from ..auth import Admin
from ..schemas import MonitorTokenCreate, TokenCreate, TokenCreated, TokenInfo
from ..services import Services, services
from ..tokens import Role

__all__ = ["router"]

router = APIRouter(prefix="/api/tokens", tags=["tokens"], responses=ERROR_RESPONSES)
Svc = Annotated[Services, Depends(services)]


@router.get("")
def list_tokens(svc: Svc, _: Admin) -> list[TokenInfo]:
    """Every token (never their secrets), oldest first."""
    return [TokenInfo.of(t) for t in svc.tokens.list()]


@router.post("", status_code=201)
def create_token(body: TokenCreate, svc: Svc, _: Admin) -> TokenCreated:
    """A new token; the answer holds its secret, which is not stored and not shown again."""
    party = body.party if isinstance(body, MonitorTokenCreate) else None
    token, secret = svc.tokens.create(Role(body.role), party=party, label=body.label)
    return TokenCreated(**TokenInfo.of(token).model_dump(), token=secret)


@router.delete("/{token_id}")
def revoke_token(token_id: str, svc: Svc, _: Admin) -> TokenInfo:
    """Revoke a token: it stops working at once."""
    token = svc.tokens.revoke(token_id)
    if token is None:
        raise NotFound(f"no token {token_id!r}")
    svc.auth.forget()
    return TokenInfo.of(token)
