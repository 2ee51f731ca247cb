"""Store fixtures: every store test runs against SQLite and against a real PostgreSQL + PostGIS.

The PostgreSQL server is started once per test session in a temporary directory on a free
loopback port (as the ``postgres`` user when the tests run as root: PostgreSQL refuses to
run as root) and stopped at the end. It is installed by ``scripts/setup-system.sh``
(called from ``scripts/setup.sh``); a missing installation fails the tests, it does not
skip them.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

BACKENDS = ["sqlite", "postgis"]
_counter = itertools.count()


def _pg_bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    for initdb in reversed(candidates):
        version = Path(initdb).parent.parent.name
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            return Path(initdb).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise RuntimeError("PostgreSQL with PostGIS is not installed: run scripts/setup-system.sh")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    def __init__(self) -> None:
        self.bindir = _pg_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="dmzwatch-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, cwd=self.root)

    def start(self) -> None:
        self.run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
        )
        self.run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
            "-w",
            "start",
        )

    def stop(self) -> None:
        try:
            self.run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def create_db(self, template: str | None = None) -> str:
        import psycopg

        name = f"t{os.getpid()}_{next(_counter)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            extra = f" TEMPLATE {template}" if template else ""
            for _ in range(20):
                try:
                    conn.execute(f"CREATE DATABASE {name}{extra}")
                    break
                except psycopg.errors.ObjectInUse:  # template still in use: retry
                    time.sleep(0.1)
        return self.url(name)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, empty store of the backend under test."""
    if backend == "sqlite":
        return str(tmp_path / "store.db")
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_db()


def observer_report(tmp_path: Path, seen: dict[str, str]) -> tuple[Path, Any]:
    """An observers' CSV reporting the UCDP row ``seen`` (same day, place and deaths) as
    ``o1``, and the column mapping to ingest it as source ``observers``."""
    from dmzwatch.events.readers import parse_map_options

    obs = tmp_path / "obs.csv"
    obs.write_text(
        "id,day,x,y,deaths\n"
        f"o1,{seen['date_start'][:10]},{seen['longitude']},{seen['latitude']},{seen['best']}\n",
        encoding="utf-8",
    )
    mapping = parse_map_options(
        ["source_id=id", "date=day", "lon=x", "lat=y", "fatalities=deaths"], "observers"
    )
    return obs, mapping
