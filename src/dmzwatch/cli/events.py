"""Commands on events and the store: ingest, ingests, quarantine, links, verify, checkpoint,
keys, export, import-bundle."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError, IntegrityError
from . import app
from ._help import examples
from ._options import DbOpt, JsonOpt, expand_user
from ._progress import progress
from ._store import existing_store, store_for_writing
from ._table import table

if TYPE_CHECKING:
    from ..events.readers import ColumnMap

# The input formats (``dmzwatch.events.readers.FORMATS``, pinned equal by a test), named
# here so that the help can list them without importing the readers.
FORMATS = ("ucdp", "acled", "csv", "geojson")


def _territory(scenario: str) -> Any:
    from ..scenario import load_scenario

    agreement = load_scenario(scenario).agreement
    if agreement.territory is None:
        return None
    return agreement.areas[agreement.territory].geometry


@app.command(
    epilog=examples(
        "dmzwatch ingest ../shared/data/ucdp_ged_syria_nw_2018_2019.csv --db idlib.db",
        "dmzwatch ingest acled_export.csv --db idlib.db --format acled --json",
        "dmzwatch ingest reports.csv --db idlib.db --map source_id=id --map date=day "
        "--map lon=x --map lat=y --source observers",
    )
)
def ingest(
    file: Annotated[
        Path,
        typer.Argument(callback=expand_user, help="Event file: UCDP GED, ACLED, CSV or GeoJSON"),
    ],
    db: DbOpt,
    fmt: Annotated[
        str | None, typer.Option("--format", help=f"One of {', '.join(FORMATS)} (default: detect)")
    ] = None,
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help="Scenario whose territory checks coordinates")
    ] = "idlib-2018",
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping", callback=expand_user, help="Column mapping TOML for a generic CSV"
        ),
    ] = None,
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="field=column for a generic CSV (repeat)")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(help="Source name of a generic CSV or GeoJSON (overrides a mapping file's)"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Read, validate and store a file; every row is stored, a duplicate or quarantined."""
    from ..events.readers import check_input, load_map, parse_map_options
    from ..events.readers.geojson import DEFAULT_MAP as GEOJSON_MAP
    from ..store import ingest as run_ingest

    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    if mapping is not None and map_:
        raise InputError(
            "give the column mapping either as --mapping FILE.toml or as --map options"
        )
    column_map: ColumnMap | None = None
    if mapping is not None:
        column_map = load_map(mapping)
        if source is not None:
            column_map = dataclasses.replace(column_map, source=source)
    elif map_:
        column_map = parse_map_options(map_, source or "csv")
    fmt = check_input(file, fmt, column_map)  # before the store is opened: a bad input
    # (missing, not text, wrong header) creates no store
    if fmt in ("ucdp", "acled") and (column_map is not None or source is not None):
        given = "--source" if column_map is None else "--map/--mapping"
        raise InputError(
            f"{file} is read as {fmt}, with its own columns and source name: {given} applies "
            "to a generic CSV or GeoJSON (give --format csv to read it through a mapping)"
        )
    if fmt == "geojson" and column_map is None and source is not None:
        column_map = dataclasses.replace(GEOJSON_MAP, source=source)
    territory = _territory(scenario)
    size = file.stat().st_size
    try:
        with (
            store_for_writing(db) as store,
            progress(f"Ingesting {file.name}", size, enabled=not as_json, unit="bytes") as advance,
        ):
            shown = 0

            def committed(done: int) -> None:
                nonlocal shown
                advance(done - shown)
                shown = done

            result = run_ingest(
                store,
                file,
                fmt=fmt,
                mapping=column_map,
                territory=territory,
                on_progress=committed,
            )
    except KeyboardInterrupt:
        typer.echo(
            f"interrupted: the batches of {file} committed so far are kept (`dmzwatch ingests` "
            "shows this ingest as interrupted); ingest the file again to complete it, "
            "nothing is stored twice",
            err=True,
        )
        raise typer.Exit(130) from None
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        return
    typer.echo(f"{file} ({result.format}, source {result.source})")
    typer.echo(
        f"read {result.read} = stored {result.stored} + duplicates {result.duplicates} "
        f"+ quarantined {result.quarantined}  "
        f"({'adds up' if result.adds_up else 'DOES NOT ADD UP'})"
    )
    typer.echo(f"linked as probable duplicates: {result.linked}")
    if result.warnings:
        typer.echo(
            f"warnings (stored as given): {result.warnings} rows with low/best/high out of order"
        )
    if result.reasons:
        typer.echo("problems of the quarantined rows (a row can have several):")
    for reason, count in sorted(result.reasons.items(), key=lambda kv: -kv[1]):
        typer.echo(f"  {count} x {reason}")


@app.command(
    epilog=examples(
        "dmzwatch quarantine --db idlib.db",
        "dmzwatch quarantine --db idlib.db --json",
        "dmzwatch quarantine --db idlib.db --file acled_export.csv --reason swapped",
        "dmzwatch quarantine --db idlib.db --file acled_export.csv --open --csv to_fix.csv",
    )
)
def quarantine(
    db: DbOpt,
    as_json: JsonOpt = False,
    source: Annotated[str | None, typer.Option(help="Only rows of this source")] = None,
    file: Annotated[
        str | None, typer.Option("--file", help="Only rows of this input file (path or name)")
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="Only problems whose reason contains this text")
    ] = None,
    ingest_id: Annotated[
        int | None, typer.Option("--ingest", help="Only rows of this ingest (see `ingests`)")
    ] = None,
    open_only: Annotated[
        bool,
        typer.Option(
            "--open",
            help="Only rows still open: no later ingest stored an event of the same source "
            "with the row's id",
        ),
    ] = False,
    csv_out: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            callback=expand_user,
            help="Also write the quarantined rows as they were read, in their file's columns, "
            "to fix them and ingest the file again (with --open: only those still to fix)",
        ),
    ] = None,
) -> None:
    """List quarantined rows with every problem (source, file, line, field, value, reason)
    and whether a later ingest stored a corrected version (status ``corrected: event N``)."""
    with existing_store(db) as store:
        rows = store.quarantined(
            source=source, file=file, reason=reason, ingest_id=ingest_id, open_only=open_only
        )
    if csv_out is not None:
        written = _write_originals(rows, csv_out)
        still = len({r["original"] for r in rows if r["corrected_by"] is None})
        typer.echo(f"wrote {written} quarantined rows ({still} still open) to {csv_out}", err=True)
    if as_json:  # with the original row or GeoJSON feature, which --csv cannot write
        typer.echo(
            json.dumps(
                [r | {"original": _parsed(r["original"])} for r in rows],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    if not rows:
        typer.echo("nothing quarantined is still open" if open_only else "nothing quarantined")
        return
    typer.echo(
        table(
            ["source", "file", "line", "field", "value", "reason", "status"],
            [
                [
                    r["source"],
                    Path(r["file"]).name,
                    r["line"],
                    r["field"],
                    _short(r["value"]),
                    r["reason"],
                    _status(r),
                ]
                for r in rows
            ],
            shrink={5: 24, 4: 16, 3: 12, 1: 12},  # reason, value, field, file: --json in full
        )
    )
    refused = {r["id"]: r["corrected_by"] is None for r in rows}
    still = sum(refused.values())
    typer.echo(
        f"{len(refused)} quarantined rows: {still} open, {len(refused) - still} corrected since"
    )


def _parsed(original: str) -> Any:
    """A quarantined row's original as the object it was read as (its text if not JSON)."""
    try:
        return json.loads(original)
    except (TypeError, ValueError):
        return original


def _status(row: dict[str, Any]) -> str:
    """``open``, or ``corrected: event N`` once a later ingest stored the row's id."""
    fixed = row["corrected_by"]
    return "open" if fixed is None else f"corrected: event {fixed}"


def _write_originals(rows: list[dict[str, Any]], out: Path) -> int:
    """Each quarantined row once, in file order, as the CSV it came from; returns the count.

    A row refused at several lines (or by several files) is written once, at its first line.
    Rows that could not be split into the header's fields are written as their raw text.
    Rows of several headers (or of a GeoJSON file) cannot share one CSV: a clear error.
    """
    originals: dict[str, Any] = {}
    for r in sorted(rows, key=lambda r: (r["line"] is None, r["line"] or 0, r["id"])):
        if r["original"] not in originals:
            originals[r["original"]] = json.loads(r["original"])
    header: list[str] | None = None
    lines: list[str] = []
    for original in originals.values():
        if set(original) == {"record"}:
            lines.append(str(original["record"]))
            continue
        if any(isinstance(v, dict | list) for v in original.values()):
            raise InputError(
                "--csv writes rows of CSV files; these quarantined rows are GeoJSON features "
                "(use --json, whose items name each problem)"
            )
        keys = list(original)
        if header is None:
            header = keys
        elif keys != header:
            raise InputError(
                "--csv: the quarantined rows come from files with different columns; "
                "choose one with --file or --ingest"
            )
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(
            ["" if v is None else v for v in original.values()]
        )
        lines.append(buffer.getvalue().rstrip("\n"))
    if header is None and lines:  # only unsplittable records: their file's header, if at hand
        header = _file_header({r["file"] for r in rows})
    try:
        with out.open("w", encoding="utf-8", newline="") as fh:
            if header is not None:
                csv.writer(fh, lineterminator="\n").writerow(header)
            for line in lines:
                fh.write(line + "\n")
    except OSError as exc:
        raise InputError(f"--csv: cannot write {out}: {exc.strerror or exc}") from exc
    return len(originals)


def _file_header(files: set[str]) -> list[str] | None:
    """The header of the one file quarantined records came from (None, said, when unread)."""
    if len(files) != 1:
        raise InputError(
            "--csv: the quarantined rows come from several files; choose one with --file or "
            "--ingest"
        )
    (file,) = files
    from ..events.readers import read_header

    try:
        return read_header(Path(file))
    except (OSError, InputError) as exc:
        typer.echo(
            f"--csv: the header of {file} cannot be read ({exc}); rows written without one",
            err=True,
        )
        return None


_INGEST_COLUMNS = ("id", "file", "source", "started (UTC)", "status")
_COUNTS = ("read", "stored", "duplicates", "quarantined")
_COUNT_HEADS = ("read", "stored", "dupl.", "quar.")  # 80 columns: --json has the names


@app.command(
    epilog=examples("dmzwatch ingests --db idlib.db", "dmzwatch ingests --db idlib.db --json")
)
def ingests(db: DbOpt, as_json: JsonOpt = False) -> None:
    """Every ingest, oldest first: file, source, when, its counts; interrupted ones flagged."""
    with existing_store(db) as store:
        rows = store.ingests()
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        typer.echo("no ingest yet")
        return
    typer.echo(
        table(
            [*_INGEST_COLUMNS, *_COUNT_HEADS],
            [
                [
                    r["id"],
                    Path(r["file"]).name,
                    _source_format(r["source"], r["format"]),
                    r["started_at"][:16].replace("T", " "),
                    r["status"],
                    *(r[c] for c in _COUNTS),
                ]
                for r in rows
            ],
            shrink={2: 6, 1: 12},  # source (format), then file: --json in full
        )
    )
    interrupted = [r["file"] for r in rows if r["status"] == "interrupted"]
    if interrupted:
        typer.echo(
            f"{len(interrupted)} interrupted: what they stored is kept; ingest the file again "
            "to complete it (nothing is stored twice)"
        )


def _source_format(source: str, fmt: str) -> str:
    """``ucdp``, or ``observers (csv)`` where the source is not named after its format."""
    return source if source == fmt else f"{source} ({fmt})"


@app.command(
    epilog=examples(
        "dmzwatch links --db idlib.db",
        "dmzwatch links --db idlib.db --event 42 --json",
    )
)
def links(
    db: DbOpt,
    as_json: JsonOpt = False,
    event: Annotated[int | None, typer.Option(help="Only the links of this event id")] = None,
    source: Annotated[
        str | None, typer.Option(help="Only links with an event of this source")
    ] = None,
) -> None:
    """Probable duplicates: events of two sources linked as one real-world event, and why."""
    with existing_store(db) as store:
        from ..store.links import linked_pairs

        rows = linked_pairs(store, event_id=event, source=source)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        typer.echo("no probable duplicates linked")
        return
    typer.echo(
        table(
            ["link", "event a", "event b", "days", "km", "limit km", "fatalities"],
            [
                [
                    r["id"],
                    _side(r["event_a"], r["a"]),
                    _side(r["event_b"], r["b"]),
                    r["reason"].get("days_apart", ""),
                    r["reason"].get("distance_km", ""),
                    r["reason"].get("limit_km", ""),
                    _fatalities(r),
                ]
                for r in rows
            ],
            shrink=[1, 2],
        )
    )


def _fatalities(link: dict[str, Any]) -> str:
    """Both events' best fatalities, event a's first (the reason lists the newer event's
    first, in the order of its ``sources``)."""
    reason = link["reason"]
    if "fatalities" not in reason:
        return ""
    values = list(reason["fatalities"])
    sources = reason.get("sources")
    if sources and sources[0] != link["a"]["source"]:
        values.reverse()
    return " / ".join("?" if f is None else f"{f:g}" for f in values)


def _side(event_id: int, side: dict[str, Any]) -> str:
    return f"{event_id} {side['source']}:{side['source_id']} {side['start_time'][:10]}"


def _short(value: str, width: int = 40) -> str:
    value = value.replace("\n", "\\n")
    return value if len(value) <= width else value[: width - 1] + "…"


@app.command(
    epilog=examples(
        "dmzwatch verify --db idlib.db",
        "dmzwatch verify --db idlib.db --json",
        "dmzwatch verify --db idlib.db --checkpoint tr.checkpoint --trust keys/TR.pub",
    )
)
def verify(
    db: DbOpt,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON: {ok, entries, record, reason, head}")
    ] = False,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            callback=expand_user,
            help="A signed checkpoint whose head the store must still hold",
        ),
    ] = None,
    trust: Annotated[
        Path | None,
        typer.Option("--trust", callback=expand_user, help="Public key of the checkpoint's signer"),
    ] = None,
) -> None:
    """Check the evidence chain and every record; exit 0 when intact, else name the first break.

    With --json the outcome is printed as JSON either way (record and reason are null when
    the log is intact, head when it is empty); a broken log still exits 9. With --checkpoint
    the store must also still hold the checkpoint's last entry with its hash: fewer entries
    (truncated) or another hash (rewritten) exits 9; a checkpoint not signed by the --trust
    key, or whose signature does not verify, is refused (exit 2).
    """
    if (checkpoint is None) != (trust is None):
        raise InputError("--checkpoint and --trust go together: a checkpoint and its signer's key")
    with existing_store(db) as store:
        if checkpoint is not None and trust is not None:
            from ..store.checkpoint import check_checkpoint

            result = check_checkpoint(store, checkpoint, trust)
        else:
            from ..store import verify as run_verify

            result = run_verify(store)
    if as_json:
        payload = {
            "ok": result.ok,
            "entries": result.entries,
            "record": result.record,
            "reason": result.reason,
            "head": result.head,
        }
        if checkpoint is not None:
            payload["checkpoint"] = result.checkpoint
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    if not result.ok:
        raise IntegrityError(result.record or "?", result.reason or "?")
    if not as_json:
        typer.echo(str(result))


@app.command(
    "checkpoint",
    epilog=examples(
        "dmzwatch checkpoint --db idlib.db --sign keys/TR.key --out tr.checkpoint",
        "dmzwatch checkpoint --db idlib.db --sign keys/TR.key --out tr.checkpoint --json",
    ),
)
def checkpoint_cmd(
    db: DbOpt,
    sign: Annotated[
        Path, typer.Option("--sign", callback=expand_user, help="Private key file (PARTY.key)")
    ],
    out: Annotated[
        Path, typer.Option("--out", callback=expand_user, help="Checkpoint file to write")
    ],
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print JSON: {checkpoint, party, entries, head, made_at}"),
    ] = False,
) -> None:
    """Verify the store, then sign its head (entry count, last hash) with the party's key.

    A later store must still hold that entry with that hash: `verify --checkpoint FILE
    --trust PARTY.pub` finds the newest entries removed with their records (truncation),
    which the chain alone cannot show. A broken log is not signed (exit 9).
    """
    with existing_store(db) as store:
        from ..store.checkpoint import make_checkpoint, write_checkpoint

        signed = make_checkpoint(store, sign)
    write_checkpoint(signed, out)
    if as_json:
        payload = {"checkpoint": str(out)} | {
            k: signed[k] for k in ("party", "entries", "head", "made_at")
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    typer.echo(
        f"{out}: {signed['entries']} evidence entries, head {signed['head'][:12]}, "
        f"signed by {signed['party']} at {signed['made_at']}"
    )


keys_app = typer.Typer(
    help="Signing keys of the parties.",
    no_args_is_help=True,
    epilog=examples("dmzwatch keys create --party TR --out keys"),
)
app.add_typer(keys_app, name="keys")


@keys_app.command(
    "create",
    epilog=examples(
        "dmzwatch keys create --party TR --out keys", "dmzwatch keys create --party RU --json"
    ),
)
def keys_create(
    party: Annotated[str, typer.Option("--party", help="Party id, e.g. TR or RU")],
    out: Annotated[
        Path,
        typer.Option("--out", callback=expand_user, help="Directory for PARTY.key and PARTY.pub"),
    ] = Path("."),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON: {party, private_key, public_key}")
    ] = False,
) -> None:
    """Make an ed25519 key pair for a party (private key written with mode 600)."""
    from ..store.bundle import create_keys

    key, pub = create_keys(party, out)
    if as_json:
        payload = {"party": party, "private_key": str(key), "public_key": str(pub)}
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    typer.echo(f"private key: {key}\npublic key:  {pub}  (give this one to the other parties)")


@app.command(
    epilog=examples(
        "dmzwatch export --db tr.db --sign keys/TR.key --out tr.bundle",
        "dmzwatch export --db tr.db --since 2019-11-01 --sign keys/TR.key --out tr.bundle --json",
    )
)
def export(
    db: DbOpt,
    sign: Annotated[
        Path, typer.Option("--sign", callback=expand_user, help="Private key file (PARTY.key)")
    ],
    out: Annotated[Path, typer.Option("--out", callback=expand_user, help="Bundle file to write")],
    since: Annotated[
        str | None, typer.Option(help="Events starting on or after YYYY-MM-DD")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON: {bundle, events, party, since}")
    ] = False,
) -> None:
    """Verify the store, then write its events as a bundle signed with the party's key (a
    broken log exits 9)."""
    day = None
    if since is not None:
        try:
            day = dt.date.fromisoformat(since)
        except ValueError:
            raise InputError(f"--since {since!r}: expected YYYY-MM-DD") from None
    with existing_store(db) as store:
        from ..store.bundle import export_bundle

        count = export_bundle(store, sign, out, day)
    if as_json:
        payload = {
            "bundle": str(out),
            "events": count,
            "party": sign.stem,
            "since": day.isoformat() if day else None,  # as the bundle records it
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{out}: {count} events, signed by {sign.stem}")


@app.command(
    "import-bundle",
    epilog=examples(
        "dmzwatch import-bundle tr.bundle --db ru.db --trust keys/TR.pub",
        "dmzwatch import-bundle tr.bundle --db ru.db --trust keys/TR.pub --json",
    ),
)
def import_bundle_cmd(
    bundle: Annotated[Path, typer.Argument(callback=expand_user, help="Bundle file")],
    db: DbOpt,
    trust: Annotated[
        Path, typer.Option("--trust", callback=expand_user, help="Public key of the signing party")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Verify a bundle's signature and chain, then merge its events (twice changes nothing)."""
    from ..store.bundle import check_bundle, merge_bundle

    checked = check_bundle(bundle, trust)  # before the store is opened: a refused bundle
    # (missing, forged, untrusted) creates no store
    with store_for_writing(db) as store:
        result = merge_bundle(store, checked)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "party": result.party,
                    "records": result.records,
                    "merged": result.merged,
                    "present": result.present,
                    "conflicts": result.conflicts,
                    "already_imported": result.already_imported,
                }
            )
        )
        return
    note = " (this bundle was imported before: nothing changed)" if result.already_imported else ""
    typer.echo(
        f"{bundle}: signature and chain verified (party {result.party}); {result.records} records, "
        f"{result.merged} merged, {result.present} already present, "
        f"{result.conflicts} conflicting{note}"
    )
