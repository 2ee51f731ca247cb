"""Tokens: stored only as sha256, bound to roles and parties, revocable."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from dmzwatch.api.tokens import TOKEN_PREFIX, Role, TokenStore, hash_token
from dmzwatch.errors import InputError
from dmzwatch.store import Store, open_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "t.db")
    yield s
    s.close()


def test_the_secret_is_stored_only_as_its_sha256(store: Store) -> None:
    tokens = TokenStore(lambda: store)
    token, secret = tokens.create(Role.ANALYST, label="desk")
    assert secret.startswith(TOKEN_PREFIX) and len(secret) > 40
    rows = store.db.query("SELECT * FROM api_tokens")
    flat = [str(v) for row in rows for v in row]
    assert secret not in flat
    assert hashlib.sha256(secret.encode()).hexdigest() in flat
    assert hash_token(secret) in flat
    assert tokens.authenticate(secret) == token


def test_secrets_differ_and_only_the_right_one_works(store: Store) -> None:
    tokens = TokenStore(lambda: store)
    made = [tokens.create(Role.ADMIN) for _ in range(5)]
    assert len({secret for _, secret in made}) == 5
    assert len({t.id for t, _ in made}) == 5
    for token, secret in made:
        assert tokens.authenticate(secret) == token
        assert tokens.authenticate(secret + "x") is None


def test_monitor_needs_a_party_and_others_take_none(store: Store) -> None:
    tokens = TokenStore(lambda: store)
    with pytest.raises(InputError, match="needs a party"):
        tokens.create(Role.MONITOR)
    with pytest.raises(InputError, match="only monitor"):
        tokens.create(Role.ANALYST, party="TR")
    token, _ = tokens.create(Role.MONITOR, party=" ru ")
    assert token.party == "RU"


def test_revoked_token_no_longer_authenticates(store: Store) -> None:
    tokens = TokenStore(lambda: store)
    token, secret = tokens.create(Role.MONITOR, party="TR")
    revoked = tokens.revoke(token.id)
    assert revoked is not None and revoked.revoked_at is not None and not revoked.active
    assert tokens.authenticate(secret) is None
    assert tokens.revoke("tok_missing") is None
    assert [t.id for t in tokens.list()] == [token.id]


def test_tokens_survive_reopening_the_store(tmp_path: Path) -> None:
    first = open_store(tmp_path / "t.db")
    token, secret = TokenStore(lambda: first).create(Role.ANALYST)
    first.close()
    second = open_store(tmp_path / "t.db")
    try:
        assert TokenStore(lambda: second).authenticate(secret) == token
    finally:
        second.close()


def test_role_parse_names_the_options() -> None:
    assert Role.parse(" ADMIN ") is Role.ADMIN
    with pytest.raises(InputError, match="admin, monitor, analyst"):
        Role.parse("root")


@pytest.mark.parametrize("party", ["T R", "TR/RU", "TÜ", "A" * 17])
def test_a_party_is_a_short_code(store: Store, party: str) -> None:
    with pytest.raises(InputError, match="letters"):
        TokenStore(lambda: store).create(Role.MONITOR, party=party)
