"""Commands on findings: check, findings, monthly, humanitarian."""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from ..errors import InputError
from . import app
from ._help import examples
from ._options import DbOpt, JsonOpt, ScenarioOpt
from ._progress import progress
from ._store import existing_store
from ._table import table

if TYPE_CHECKING:
    from ..events.model import Event
    from ..rules.finding import Finding, Thresholds
    from ..scenario import Scenario
    from ..store import Store
    from ..store.findings import Evaluate

#: The columns of ``dmzwatch findings --format csv``, in order.
CSV_COLUMNS = (
    "finding_id",
    "event_id",
    "rule",
    "verdict",
    "p_in_zone",
    "band",
    "distance_km",
    "event_date",
    "reasons",
    "agreement",
    "rule_kind",
    "event_ids",
    "zone",
    "p_in_core",
    "shape",
    "lon",
    "lat",
    "rule_start",
    "timing",
    "equipment_class",
    "equipment_inferred",
    "matched_words",
    "actors",
    "side",
    "count",
    "max_count",
    "civilians",
    "clause",
)


def _thresholds(violation: float, possible: float) -> Thresholds:
    from ..rules.finding import Thresholds

    try:
        return Thresholds(violation=violation, possible=possible)
    except ValueError as exc:
        raise InputError(str(exc)) from exc


def _findings_for(
    store: Store, scenario: Scenario, events: Sequence[Event], *, bar: bool = True
) -> tuple[list[Finding], str]:
    """The scenario's stored findings, or the rules evaluated now when none are stored.

    ``bar`` False never draws a progress bar (the command prints JSON).
    """
    from ..rules.engine import Engine
    from ..store.findings import duplicate_map, stored_findings

    stored = stored_findings(store, scenario.agreement.id)
    if stored:
        return stored, "stored by dmzwatch check"
    engine = Engine(scenario)
    with progress("Evaluating the rules", len(engine.checks), enabled=bar) as advance:
        found = engine.run(events, same_as=duplicate_map(store), progress=advance)
    return found, "evaluated now (none stored)"


def _events_and_findings(
    db: str, scenario: Scenario, *, bar: bool
) -> tuple[list[Event], list[Finding], str]:
    """The stored events and :func:`_findings_for` them (with how they were found)."""
    from ..store.findings import load_events

    with existing_store(db) as store:
        events = load_events(store)
        found, basis = _findings_for(store, scenario, events, bar=bar)
    return events, found, basis


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """``header`` and ``rows`` as CSV text (``\\n`` line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


@app.command(
    epilog=examples(
        "dmzwatch check --scenario idlib-2018 --db idlib.db",
        "dmzwatch check -s idlib-2018 --db idlib.db --violation 0.95 --possible 0.2 --json",
    )
)
def check(
    scenario: ScenarioOpt,
    db: DbOpt,
    violation: Annotated[
        float, typer.Option(help="p_in_zone at or above which a finding is a violation")
    ] = 0.9,
    possible: Annotated[
        float, typer.Option(help="p_in_zone at or above which a finding is a possible violation")
    ] = 0.1,
    sectors_from_text: Annotated[
        bool,
        typer.Option(help="Read observer sectors ('1-4.5 km SSE') from event texts"),
    ] = False,
    as_json: JsonOpt = False,
    engine_name: Annotated[
        Literal["local", "dask"],
        typer.Option(
            "--engine",
            help="local: this process; dask: place the events in partitions on a Dask cluster "
            "(DASK_SCHEDULER_ADDRESS, else a local one)",
        ),
    ] = "local",
) -> None:
    """Evaluate every rule on the stored events and record the findings in the evidence log.

    Re-running on the same data appends nothing. A finding whose content changed is
    appended as a new revision; one the rules no longer make is withdrawn (logged).
    """
    from ..rules.engine import Engine
    from ..rules.finding import Verdict
    from ..scenario import load_scenario
    from ..store.findings import check_and_record

    s = load_scenario(scenario)
    engine = Engine(
        s, thresholds=_thresholds(violation, possible), sectors_from_text=sectors_from_text
    )
    steps = len(engine.checks) + 2  # load the events, each rule, record the findings
    evaluate: Evaluate | None = None
    if engine_name == "dask":
        from ..scale.check import run_check_on_cluster

        evaluate = partial(run_check_on_cluster, engine)
    with existing_store(db) as store, progress("Checking", steps, enabled=not as_json) as advance:
        done = check_and_record(store, engine, evaluate=evaluate, progress=advance)
    events, findings, recorded = done.events, done.findings, done.recorded
    counts = Counter((f.rule, f.verdict.value) for f in findings)
    rules = [c.rule.id for c in engine.checks]
    summary: dict[str, Any] = {
        "scenario": s.agreement.id,
        "events": len(events),
        "findings": len(findings),
        "by_rule": {
            r: {v.value: counts[(r, v.value)] for v in Verdict if counts[(r, v.value)]}
            for r in rules
        },
        "new": recorded.new,
        "revised": recorded.revised,
        "unchanged": recorded.unchanged,
        "withdrawn": recorded.withdrawn,
        "appended": recorded.appended,
    }
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    typer.echo(f"{s.agreement.title}\n{len(events)} stored event(s), {len(findings)} finding(s)\n")
    typer.echo(
        table(
            ["rule", "violation", "possible", "compliant"],
            [[r, *(counts[(r, v.value)] for v in Verdict)] for r in rules],
        )
    )
    typer.echo(
        f"\nevidence log: {recorded.new} new, {recorded.revised} revised, "
        f"{recorded.withdrawn} withdrawn, {recorded.unchanged} unchanged"
    )


def _csv_row(f: Finding) -> list[object]:
    values: dict[str, object] = {
        **f.to_dict(),
        "event_id": f.event_id,
        "event_date": f.event_date,
        "event_ids": " ".join(f.event_ids),
        "reasons": " | ".join(f.reasons),
        "matched_words": "; ".join(f.matched_words),
        "actors": "; ".join(f.actors),
    }
    return ["" if values[c] is None else values[c] for c in CSV_COLUMNS]


@app.command(
    epilog=examples(
        "dmzwatch findings --db idlib.db --format table",
        "dmzwatch findings --db idlib.db -s idlib-2018 --verdict violation --json",
        "dmzwatch findings --db idlib.db --out findings.csv",
    )
)
def findings(
    db: DbOpt,
    fmt_opt: Annotated[
        Literal["csv", "json", "table"] | None,
        typer.Option("--format", help="csv (the default), json or table"),
    ] = None,
    scenario: Annotated[
        str | None, typer.Option("--scenario", "-s", help="Only this scenario's findings")
    ] = None,
    verdict: Annotated[
        str | None, typer.Option(help="Only violation, possible or compliant")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write to this file (default: stdout)")] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print JSON: --format json, and with --out print {path, findings} instead",
        ),
    ] = False,
) -> None:
    """The findings recorded by ``dmzwatch check``, as CSV, JSON or a table.

    JSON is a list of findings, one object each with every field of the finding.
    """
    from ..rules.finding import Verdict
    from ..scenario import load_scenario
    from ..store.findings import stored_findings

    fmt = _format(fmt_opt, as_json, "csv")
    agreement = load_scenario(scenario).agreement.id if scenario else None
    wanted = None
    if verdict is not None:
        try:
            wanted = Verdict.parse(verdict)
        except ValueError as exc:
            raise InputError(str(exc)) from exc
    with existing_store(db) as store:
        rows = [f for f in stored_findings(store, agreement) if wanted in (None, f.verdict)]
    if fmt == "json":
        text = json.dumps([f.to_dict() for f in rows], indent=2, ensure_ascii=False) + "\n"
    elif fmt == "table":
        text = (
            table(
                ["finding", "rule", "verdict", "event", "date", "band", "p", "km"],
                [
                    [
                        f.finding_id,
                        f.rule,
                        f.verdict.value,
                        f.event_id + (f" +{len(f.event_ids) - 1}" if len(f.event_ids) > 1 else ""),
                        f.event_date,
                        f.band,
                        f"{f.p_in_zone:.2f}",
                        "" if f.distance_km is None else f"{f.distance_km:.1f}",
                    ]
                    for f in rows
                ],
            )
            + "\n"
        )
    else:
        text = _csv_text(CSV_COLUMNS, (_csv_row(f) for f in rows))
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--out {out}: cannot write there: {exc}") from exc
    if as_json:
        typer.echo(json.dumps({"path": str(out), "findings": len(rows)}, indent=2))
    else:
        typer.echo(f"{len(rows)} finding(s) written to {out}")


def _format(fmt: str | None, as_json: bool, default: str) -> str:
    """The output format: ``--json`` means ``--format json`` and contradicts any other."""
    if as_json and fmt not in (None, "json"):
        raise InputError(f"--json contradicts --format {fmt}: give one of them")
    return "json" if as_json else (fmt or default)


MONTHLY_HEADER = (
    "month",
    "events",
    "events in core",
    "events in fringe",
    "violations",
    "possible violations",
    "civilian deaths in zone",
)


def _month(text: str | None, option: str) -> str | None:
    if text is None:
        return None
    parts = text.split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[1]) <= 12:
        raise InputError(f"{option} must be a month as YYYY-MM, not {text!r}")
    return f"{int(parts[0]):04d}-{int(parts[1]):02d}"


@app.command(
    epilog=examples(
        "dmzwatch monthly --scenario idlib-2018 --db idlib.db --from 2018-09 --to 2019-11",
        "dmzwatch monthly -s idlib-2018 --db idlib.db --format csv",
        "dmzwatch monthly -s idlib-2018 --db idlib.db --json",
    )
)
def monthly(
    scenario: ScenarioOpt,
    db: DbOpt,
    fmt_opt: Annotated[
        Literal["md", "csv", "json"] | None,
        typer.Option("--format", help="md (the default), csv or json"),
    ] = None,
    first: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM")] = None,
    zone: Annotated[str | None, typer.Option(help="Zone id (default: the first zone)")] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print JSON (as --format json): {scenario, findings, rows}"),
    ] = False,
) -> None:
    """Events in core / fringe, violations, possible violations and civilian deaths by month.

    Violations and possible violations count events (an event with a violation of any rule
    on the zone counts once). Uses the findings ``dmzwatch check`` stored, else evaluates
    the rules now.
    """
    from ..rules.humanitarian import month_range, monthly_table
    from ..scenario import load_scenario

    fmt = _format(fmt_opt, as_json, "md")
    s = load_scenario(scenario)
    if zone is not None and zone not in {z.id for z in s.zones}:
        raise InputError(
            f"no zone {zone!r} in {s.agreement.id}: {', '.join(z.id for z in s.zones)}"
        )
    lo, hi = _month(first, "--from"), _month(last, "--to")
    if lo and hi and lo > hi:
        raise InputError(f"--from {lo} is after --to {hi}: the first month comes first")
    events, found, basis = _events_and_findings(db, s, bar=fmt != "json")
    months = None
    if lo or hi:
        seen = sorted(e.start.strftime("%Y-%m") for e in events) or ["1970-01"]
        months = month_range(lo or seen[0], hi or seen[-1])
    rows = monthly_table(s, events, found, zone=zone, months=months)
    numbers = [
        [r.events, r.core, r.fringe, r.violations, r.possible, r.civilian_deaths] for r in rows
    ]
    body: list[list[object]] = [[r.month, *n] for r, n in zip(rows, numbers, strict=True)]
    totals: list[object] = ["total", *(sum(col) for col in zip(*numbers, strict=True))]
    if not numbers:
        totals = ["total", *([0] * (len(MONTHLY_HEADER) - 1))]
    if fmt == "json":
        typer.echo(
            json.dumps(
                {"scenario": s.agreement.id, "findings": basis, "rows": [asdict(r) for r in rows]},
                indent=2,
            )
        )
    elif fmt == "csv":
        sys.stdout.write(_csv_text(MONTHLY_HEADER, body))
    else:
        lines = [
            "| " + " | ".join(MONTHLY_HEADER) + " |",
            "|" + "|".join(["---"] + ["---:"] * (len(MONTHLY_HEADER) - 1)) + "|",
        ]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in [*body, totals]]
        typer.echo("\n".join(lines))


@app.command(
    epilog=examples(
        "dmzwatch humanitarian --scenario idlib-2018 --db idlib.db",
        "dmzwatch humanitarian -s idlib-2018 --db idlib.db --radius-km 10 --json",
    )
)
def humanitarian(
    scenario: ScenarioOpt,
    db: DbOpt,
    radius_km: Annotated[
        float, typer.Option(help="A finding counts for a place within this distance (km)")
    ] = 5.0,
    as_json: JsonOpt = False,
) -> None:
    """Civilian deaths and events by band and month; populated places with findings near them."""
    from ..rules.humanitarian import band_months, places_near_findings
    from ..scenario import load_scenario

    if not 0 < radius_km < math.inf:
        raise InputError(f"--radius-km must be a positive number of km, not {radius_km}")
    s = load_scenario(scenario)
    events, found, basis = _events_and_findings(db, s, bar=not as_json)
    cells = band_months(s, events)
    places = places_near_findings(s, events, found, radius_km=radius_km)
    if as_json:
        payload = {
            "scenario": s.agreement.id,
            "findings": basis,
            "by_band_and_month": [asdict(c) for c in cells],
            "places": [
                {
                    "geonameid": p.place.geonameid,
                    "name": p.place.name,
                    "lon": p.place.lon,
                    "lat": p.place.lat,
                    "population": p.place.population or None,
                    "band": p.band,
                    "violations": p.violations,
                    "possible": p.possible,
                    "civilian_deaths": p.civilian_deaths,
                    "last_day": p.last_day.isoformat() if p.last_day else None,
                    "finding_ids": list(p.finding_ids),
                }
                for p in places
            ],
            "radius_km": radius_km,
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{s.agreement.title}\nfindings: {basis}\n")
    typer.echo("Events and deaths by month and band (UCDP deaths_civilians where given)\n")
    typer.echo(
        table(
            ["month", "band", "events", "deaths", "civilian deaths"],
            [[c.month, c.band, c.events, c.deaths, c.civilian_deaths] for c in cells],
        )
    )
    typer.echo(f"\nPopulated places with findings within {radius_km:g} km\n")
    typer.echo(
        table(
            ["place", "band", "population", "violations", "possible", "civilian deaths", "last"],
            [
                [
                    p.place.name,
                    p.band,
                    p.place.population if p.place.population else "unknown",
                    p.violations,
                    p.possible,
                    p.civilian_deaths,
                    p.last_day.isoformat() if p.last_day else "",
                ]
                for p in places
            ],
        )
    )
    typer.echo(
        "\nPlaces: GeoNames (CC BY 4.0, geonames.org). Events: as ingested (UCDP GED, CC BY 4.0)."
    )
