"""Commands that show stored events: ``events`` (a filtered list) and ``event`` (one, in full)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError, NotFound
from . import app
from ._help import examples
from ._options import DbOpt, JsonOpt, expand_user
from ._store import existing_store
from ._table import clip, table, terminal_width

__all__ = ["event", "events"]

# The values of ``dmzwatch.events.model.EventKind`` (pinned equal by a test), named here so
# that the help can list them without importing the event model.
EVENT_KINDS = (
    "weapon_sighting",
    "attack",
    "strike",
    "clash",
    "incident",
    "displacement",
    "protest",
    "other",
)


def _day(option: str, value: str | None, *, end: bool) -> dt.datetime | None:
    """The first (or last) second of the UTC day ``value`` (YYYY-MM-DD)."""
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r}: expected a day, YYYY-MM-DD") from None
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return start + dt.timedelta(days=1, seconds=-1) if end else start


def _listing(rows: list[dict[str, Any]]) -> str:
    """One line of fields per event, its text shortened on an indented line below it.

    The text has a line of its own so that the table fits 80 columns, and so that a text
    written right to left (Arabic) cannot reorder the columns beside it on the terminal.
    """
    lines = table(
        ["id", "source:id", "kind", "start", "lon", "lat", "km", "class", "best"],
        [
            [
                r["id"],
                f"{r['source']}:{r['source_id']}",
                r["kind"],
                r["start_time"][:10],
                f"{r['lon']:.4f}",
                f"{r['lat']:.4f}",
                r["precision_km"],
                r["equipment_class"] or "",
                "" if r["fatalities_best"] is None else r["fatalities_best"],
            ]
            for r in rows
        ],
        shrink={7: 5, 2: 6, 1: 12},  # class, kind, source:id: in full in `event ID`, --json
    ).splitlines()
    out = lines[:2]
    room = max(terminal_width() - 4, 20)
    for line, r in zip(lines[2:], rows, strict=True):
        out.append(line)
        if r["text"]:
            out.append("    " + clip(r["text"], room))
    return "\n".join(out)


def _csv_value(value: object) -> object:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return "" if value is None else value


@app.command(
    epilog=examples(
        "dmzwatch events --db idlib.db --since 2018-10-15 --until 2018-10-31",
        "dmzwatch events --db idlib.db --source ucdp --kind strike --json",
        "dmzwatch events --db idlib.db --limit 0 --csv events.csv",
    )
)
def events(
    db: DbOpt,
    as_json: JsonOpt = False,
    source: Annotated[str | None, typer.Option(help="Only events of this source")] = None,
    kind: Annotated[
        str | None,
        typer.Option(help=f"Only events of this kind ({', '.join(EVENT_KINDS)})"),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Events starting on or after this UTC day, YYYY-MM-DD")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Events starting on or before this UTC day, YYYY-MM-DD")
    ] = None,
    ingest: Annotated[
        int | None, typer.Option(help="Only the events this ingest stored (see `ingests`)")
    ] = None,
    limit: Annotated[int, typer.Option(min=0, help="At most this many events (0: all)")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many events first")] = 0,
    csv_out: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            callback=expand_user,
            help="Write the events, every stored field, to this CSV file",
        ),
    ] = None,
) -> None:
    """Stored events, oldest first, with every stored field; filter by source, kind, days."""
    from ..events.model import EventKind
    from ..store.records import event_rows
    from ..store.store import EVENT_FIELDS

    start, end = _day("--since", since, end=False), _day("--until", until, end=True)
    if start and end and start > end:
        raise InputError(f"--since {since} is after --until {until}")
    if kind is not None:
        try:
            kind = EventKind.parse(kind).value
        except ValueError as exc:
            raise InputError(f"--kind: {exc}") from None
    with existing_store(db) as store:
        total, rows = event_rows(
            store,
            source=source,
            kind=kind,
            since=start,
            until=end,
            ingest_id=ingest,
            limit=limit or None,
            offset=offset,
        )
    if csv_out is not None:
        columns = ["id", *EVENT_FIELDS, "ingest_id", "line"]
        try:
            with csv_out.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(columns)
                writer.writerows([_csv_value(r[c]) for c in columns] for r in rows)
        except OSError as exc:
            raise InputError(f"--csv: cannot write {csv_out}: {exc.strerror or exc}") from exc
        written = f"{len(rows)} of {total} matching events written to {csv_out}"
        if not as_json:
            typer.echo(written)
            return
        typer.echo(written, err=True)  # stdout holds the JSON document alone
    if as_json:
        payload = {"total": total, "offset": offset, "events": rows}
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    if not rows:
        typer.echo(f"no events shown ({total} match)")
        return
    typer.echo(_listing(rows))
    shown = f"events {offset + 1}-{offset + len(rows)} of {total}"
    more = " (--limit, --offset for more)" if offset + len(rows) < total else ""
    typer.echo(shown + more)


@app.command(
    epilog=examples("dmzwatch event 42 --db idlib.db", "dmzwatch event 42 --db idlib.db --json")
)
def event(
    event_id: Annotated[int, typer.Argument(help="The event's id (see `events`)")],
    db: DbOpt,
    as_json: JsonOpt = False,
) -> None:
    """One stored event in full: its fields, the original row as read, where it came from,
    its content hash, its evidence entry and its probable duplicates."""
    from ..store.records import event_record

    with existing_store(db) as store:
        record = event_record(store, event_id)
    if record is None:
        raise NotFound(f"no event {event_id} in {db}")
    if as_json:
        typer.echo(json.dumps(record, indent=2, ensure_ascii=False))
        return
    typer.echo(_detail(record))


def _detail(r: dict[str, Any]) -> str:
    from ..store.store import EVENT_FIELDS

    lines = [f"event {r['id']}: {r['source']}:{r['source_id']}"]
    for key in EVENT_FIELDS[2:]:
        value = r[key]
        shown = "; ".join(value) if isinstance(value, list) else value
        lines.append(f"  {key}: {'' if shown is None else shown}")
    p = r["provenance"]
    if p["party"] is not None:
        lines.append(f"from: posted to the API by {p['party']}")
    elif p["ingest"] is not None:
        i = p["ingest"]
        line = "" if p["line"] is None else f", line {p['line']}"
        lines.append(f"from: ingest {i['id']} of {i['file']} ({i['format']}{line})")
    elif p["bundle"] is not None:
        b = p["bundle"]
        when = f", imported {b['imported_at'][:19]}" if b["imported_at"] else ""
        lines.append(f"from: bundle {b['hash'][:16]}… signed by {b['party']}{when}")
    else:
        lines.append("from: no ingest, post or bundle recorded")
    lines.append(f"content hash: {r['content_hash']}")
    e = r["evidence"]
    lines.append(
        "evidence entry: MISSING (run `dmzwatch verify`)"
        if e is None
        else f"evidence entry: {e['seq']} ({e['hash'][:16]}…)"
    )
    for link in r["links"]:
        reason = link["reason"]
        apart = ", ".join(
            f"{k.replace('_', ' ')} {reason[k]}"
            for k in ("days_apart", "distance_km")
            if k in reason
        )
        lines.append(
            f"probable duplicate: event {link['event']} {link['source']}:{link['source_id']}"
            + (f" ({apart})" if apart else "")
        )
    lines.append("original row:")
    lines += [f"  {k}: {v}" for k, v in r["original"].items()]
    return "\n".join(lines)
