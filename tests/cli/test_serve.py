"""dmzwatch tokens and dmzwatch serve."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from dmzwatch.api.tokens import TokenStore
from dmzwatch.cli import main
from dmzwatch.store import open_store


def test_tokens_create_prints_the_secret_alone_on_its_last_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    assert main(["tokens", "create", "--db", db, "--role", "monitor", "--party", "TR"]) == 0
    out = capsys.readouterr().out.rstrip("\n").splitlines()
    secret = out[-1]
    assert secret.startswith("dmzw_") and " " not in secret
    assert "monitor" in out[0] and "TR" in out[0]
    store = open_store(db)
    try:
        token = TokenStore(lambda: store).authenticate(secret)
        assert token is not None and token.party == "TR" and token.role.value == "monitor"
    finally:
        store.close()


def test_tokens_list_and_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "s.db")
    main(["tokens", "create", "--db", db, "--role", "analyst", "--label", "desk 2"])
    secret = capsys.readouterr().out.splitlines()[-1]
    assert main(["tokens", "list", "--db", db, "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["role"] == "analyst" and listed["label"] == "desk 2"
    assert secret not in json.dumps(listed)
    assert main(["tokens", "revoke", "--db", db, listed["id"]]) == 0
    capsys.readouterr()
    main(["tokens", "list", "--db", db, "--json"])
    assert json.loads(capsys.readouterr().out)[0]["revoked_at"]
    assert main(["tokens", "revoke", "--db", db, "tok_nothing"]) == 4


def test_tokens_create_refuses_a_bad_role_or_missing_party(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    assert main(["tokens", "create", "--db", db, "--role", "root"]) == 2
    assert "admin, monitor, analyst" in capsys.readouterr().err
    assert main(["tokens", "create", "--db", db, "--role", "monitor"]) == 2
    assert "party" in capsys.readouterr().err


def test_tokens_create_and_revoke_print_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    argv = ["tokens", "create", "--db", db, "--role", "monitor", "--party", "RU"]
    assert main([*argv, "--label", "RU desk", "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert set(created) == {"id", "role", "party", "label", "token"}
    assert (created["role"], created["party"], created["label"]) == ("monitor", "RU", "RU desk")
    store = open_store(db)
    try:
        token = TokenStore(lambda: store).authenticate(created["token"])
        assert token is not None and token.id == created["id"]
    finally:
        store.close()
    assert main(["tokens", "revoke", "--db", db, created["id"], "--json"]) == 0
    revoked = json.loads(capsys.readouterr().out)
    assert set(revoked) == {"id", "role", "party", "revoked_at"}
    assert revoked["id"] == created["id"] and revoked["revoked_at"]
    assert main(["tokens", "revoke", "--db", db, "tok_nothing", "--json"]) == 4
    assert capsys.readouterr().out == ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_serve_answers_on_loopback(tmp_path: Path) -> None:
    port = _free_port()
    db = tmp_path / "s.db"
    env = {**os.environ, "DMZWATCH_RATE_PER_S": "100"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dmzwatch", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        body = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health") as r:
                    body = json.loads(r.read())
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert body == {"status": "ok", "version": "0.1.0", "scenario": "idlib-2018"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as r:
            assert b"dmzwatch" in r.read()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/events")
            raise AssertionError("events without a token")
        except urllib.error.HTTPError as exc:
            assert exc.code == 401
            exc.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


def test_revoking_twice_says_it_was_already_revoked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    main(["tokens", "create", "--db", db, "--role", "analyst", "--json"])
    token_id = json.loads(capsys.readouterr().out)["id"]
    assert main(["tokens", "revoke", "--db", db, token_id]) == 0
    assert capsys.readouterr().out.startswith(f"revoked {token_id}")
    assert main(["tokens", "revoke", "--db", db, token_id]) == 0
    assert "was already revoked at" in capsys.readouterr().out
