"""The ``report`` command: the daily report (HTML and PDF) from a store's evidence log."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from . import app
from ._help import examples
from ._options import DbOpt, JsonOpt, ScenarioOpt
from ._progress import progress
from ._store import require_store

EXAMPLES = examples(
    "dmzwatch report --scenario idlib-2018 --db idlib.db --date 2018-11-24 --out build/reports",
    "dmzwatch report -s idlib-2018 --db idlib.db --date 2019-05-31 --days 7 --no-pdf --json",
)


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _parse_date(value: str, days: int) -> dt.date:
    """``--date`` as a day, with room in the calendar for the period, the one before it and
    the trend bars before them (up to 30 periods back)."""
    try:
        if not _ISO_DAY.fullmatch(value):
            raise ValueError(value)
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--date: {value!r} is not a date in the form YYYY-MM-DD") from None
    if not dt.date.min + dt.timedelta(days=31 * days) <= day < dt.date.max:
        raise InputError(
            f"--date: {value} is too close to the end of the calendar for a report of "
            f"{_plural_days(days)} and the periods before it"
        )
    return day


def _plural_days(days: int) -> str:
    return f"{days} day{'s' * (days != 1)}"


@app.command(epilog=EXAMPLES)
def report(
    db: DbOpt,
    date: Annotated[
        str, typer.Option("--date", help="Last day of the period (YYYY-MM-DD, local time)")
    ],
    scenario: ScenarioOpt = "idlib-2018",
    days: Annotated[
        int, typer.Option("--days", min=1, max=366, help="Length of the period in days")
    ] = 1,
    out: Annotated[Path, typer.Option("--out", help="Output directory")] = Path("build/reports"),
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="Also print a PDF with headless Chromium")
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Write the daily report for the DAYS days ending on DATE: HTML, PDF and JSON figures.

    The cut-off is the end of DATE in the agreement's timezone. The report compares the
    period with the one before it and with the total since the agreement was signed; the
    same log gives the same report (apart from its generation-time line).
    """
    from ..report._load import load_inputs
    from ..report.daily import build_daily_report, report_findings, write_daily_report
    from ..scenario import load_scenario

    day = _parse_date(date, days)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: not a directory (an output directory is expected)")
    s = load_scenario(scenario)
    require_store(db)
    with progress("Building the report", total=3, enabled=not as_json) as step:
        inputs = load_inputs(db, s)
        step(1)
        built = build_daily_report(
            s,
            inputs.events,
            report_findings(inputs.findings, inputs.events),
            day,
            days=days,
            evidence_head=inputs.evidence_head,
        )
        step(1)
        try:
            paths = write_daily_report(built, s, out, pdf=pdf)
        except OSError as exc:
            raise InputError(f"--out {out}: cannot write the report there: {exc}") from exc
        step(1)
    if as_json:
        payload = {
            "scenario": built.scenario,
            "period": {
                "start": built.period.start.isoformat(),
                "end": built.period.end.isoformat(),
            },
            "cutoff": built.cutoff.isoformat(),
            "violations": built.totals.v,
            "possible": built.totals.p,
            "previous": {"violations": built.totals.prev_v, "possible": built.totals.prev_p},
            "since_signing": {"violations": built.totals.cum_v, "possible": built.totals.cum_p},
            "findings_from_log": inputs.findings_from_log,
            "digest": built.digest,
            "files": {kind: str(path) for kind, path in paths.items()},
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    typer.echo(
        f"Daily report {built.period.label} ({built.scenario}), "
        f"cut-off {built.cutoff:%Y-%m-%d %H:%M %Z}"
    )
    for line in built.summary:
        typer.echo(f"  - {line}")
    if not inputs.findings_from_log:
        typer.echo("  (no findings stored for this scenario: the rules were evaluated now)")
    typer.echo("Written:")
    for path in paths.values():
        typer.echo(f"  {path}")
