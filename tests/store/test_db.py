"""Connecting: a PostgreSQL server that cannot be reached is a clear error without secrets."""

from __future__ import annotations

import socket

import pytest

from dmzwatch.errors import InputError
from dmzwatch.store import open_store
from dmzwatch.store._db import redacted


def test_redacted_hides_only_the_password() -> None:
    assert redacted("postgresql://mon:s3cret@h:5432/d") == "postgresql://mon:***@h:5432/d"
    assert redacted("postgresql://mon@h/d") == "postgresql://mon@h/d"
    assert redacted("postgresql://h/d?sslmode=require") == "postgresql://h/d?sslmode=require"


def test_an_unreachable_server_is_an_input_error_without_the_password() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://monitor:s3cret@127.0.0.1:{port}/dmz"
    with pytest.raises(InputError, match="cannot connect to") as caught:
        open_store(url)
    message = str(caught.value)
    assert "s3cret" not in message and "monitor:***@127.0.0.1" in message
    assert "\n" not in message
