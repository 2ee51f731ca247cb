#!/usr/bin/env python3
"""Load test of the HTTP API on loopback: posts events for a while and reports throughput
and latency. Not part of ``make test`` (``make load`` runs it).

It starts ``dmzwatch serve`` on 127.0.0.1 (a free port, a temporary SQLite store, one
monitor token), then runs two phases:

1. **batches** — ``--concurrency`` clients post batches of ``--batch`` events as fast as the
   server answers: events stored per second, request latency;
2. **steady** — one event per request at a fixed ``--rate`` requests per second (open loop:
   requests leave on schedule whether or not earlier ones returned): p50/p99 latency.

Every answer is checked: any non-200 status, or an event not stored, counts as an error.
The server's rate limits are raised for the run, and duplicate linking (which the server
defers until posting pauses) is put off until after it. Usage::

    python scripts/load_test.py [--duration 60] [--batch 500] [--rate 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Events:
    """Distinct, valid events inside the Idlib area."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.n = 0

    def one(self) -> dict[str, Any]:
        self.n += 1
        day = 1 + self.n % 28
        return {
            "source": "LOAD-OP-1",
            "source_id": f"load-{self.n}",
            "kind": self.rng.choice(["weapon_sighting", "strike", "clash"]),
            "time": f"2019-05-{day:02d}T{self.n % 24:02d}:15:00+03:00",
            "lon": round(self.rng.uniform(36.3, 36.95), 5),
            "lat": round(self.rng.uniform(35.3, 36.1), 5),
            "precision_km": 1.0,
            "equipment_class": self.rng.choice(["tank", "mortar", None]),
            "count": 1,
            "actor": "NFL",
            "text": "load test observation",
        }

    def batch(self, size: int) -> list[dict[str, Any]]:
        return [{k: v for k, v in self.one().items() if v is not None} for _ in range(size)]


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


async def _post(
    client: httpx.AsyncClient, body: bytes, expect: int, latencies: list[float], errors: list[str]
) -> int:
    t0 = time.perf_counter()
    try:
        r = await client.post("/api/events", content=body)
    except httpx.HTTPError as exc:
        errors.append(f"transport: {exc!r}")
        return 0
    latencies.append(time.perf_counter() - t0)
    if r.status_code != 200:
        errors.append(f"HTTP {r.status_code}: {r.text[:200]}")
        return 0
    stored = int(r.json()["stored"])
    if stored != expect:
        errors.append(f"stored {stored} of {expect}")
    return stored


async def batches(
    client: httpx.AsyncClient, events: Events, seconds: float, size: int, concurrency: int
) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    stored = 0
    end = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal stored
        while time.perf_counter() < end:
            body = json.dumps(events.batch(size)).encode()
            got = await _post(client, body, size, latencies, errors)
            stored += got

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    return {
        "phase": "batches",
        "seconds": round(elapsed, 1),
        "batch": size,
        "concurrency": concurrency,
        "requests": len(latencies),
        "events_stored": stored,
        "events_per_s": round(stored / elapsed),
        "p50_ms": round(_pct(latencies, 50) * 1000, 1),
        "p99_ms": round(_pct(latencies, 99) * 1000, 1),
        "errors": len(errors),
        "first_errors": errors[:3],
    }


async def steady(
    client: httpx.AsyncClient, events: Events, seconds: float, rate: float
) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    tasks: list[asyncio.Task[int]] = []
    t0 = time.perf_counter()
    n = int(seconds * rate)
    for i in range(n):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        body = json.dumps(events.one()).encode()
        tasks.append(asyncio.create_task(_post(client, body, 1, latencies, errors)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t0
    return {
        "phase": "steady",
        "seconds": round(elapsed, 1),
        "target_rps": rate,
        "requests": len(latencies),
        "achieved_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_pct(latencies, 50) * 1000, 1),
        "p99_ms": round(_pct(latencies, 99) * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "errors": len(errors),
        "first_errors": errors[:3],
    }


def _token(db: Path) -> str:
    from dmzwatch.api.tokens import Role, TokenStore
    from dmzwatch.store import open_store

    store = open_store(db)
    try:
        return TokenStore(lambda: store).create(Role.MONITOR, party="TR", label="load test")[1]
    finally:
        store.close()


async def run(args: argparse.Namespace, url: str, token: str) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=max(args.concurrency, 64))
    async with httpx.AsyncClient(
        base_url=url, headers=headers, timeout=30.0, limits=limits
    ) as client:
        events = Events()
        warm = json.dumps(events.batch(10)).encode()
        await _post(client, warm, 10, [], [])
        half = args.duration / 2
        first = await batches(client, events, half, args.batch, args.concurrency)
        second = await steady(client, events, half, args.rate)
    return [first, second]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds in all")
    parser.add_argument("--batch", type=int, default=500, help="events per batch (phase 1)")
    parser.add_argument("--concurrency", type=int, default=4, help="clients in phase 1")
    parser.add_argument("--rate", type=float, default=200.0, help="requests/s in phase 2")
    parser.add_argument("--json", action="store_true", help="print the results as JSON only")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dmzwatch-load-") as tmp:
        db = Path(tmp) / "load.db"
        token = _token(db)
        port = _free_port()
        env = {
            **os.environ,
            "DMZWATCH_RATE_PER_S": "1000000",
            "DMZWATCH_RATE_BURST": "1000000",
            "DMZWATCH_LINK_QUIET_S": "86400",
            "DMZWATCH_MAX_BATCH": "10000",
        }
        cmd = [sys.executable, "-m", "dmzwatch", "serve", "--db", str(db)]
        cmd += ["--host", HOST, "--port", str(port), "--log-level", "warning"]
        server = subprocess.Popen(cmd, env=env)
        url = f"http://{HOST}:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
            results = asyncio.run(run(args, url, token))
        finally:
            server.terminate()
            server.wait(timeout=30)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        b, s = results
        print(f"dmzwatch API load test on {HOST} ({os.cpu_count()} CPUs), {args.duration:.0f} s")
        print(
            f"  batches of {b['batch']} x {b['concurrency']} clients: {b['events_per_s']} events/s "
            f"({b['events_stored']} stored in {b['seconds']} s, {b['requests']} requests), "
            f"latency p50 {b['p50_ms']} ms, p99 {b['p99_ms']} ms, errors {b['errors']}"
        )
        print(
            f"  single events at {s['target_rps']:.0f} req/s: achieved {s['achieved_rps']} req/s, "
            f"latency p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, errors {s['errors']}"
        )
    failed = b["errors"] + s["errors"] if not args.json else sum(r["errors"] for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
