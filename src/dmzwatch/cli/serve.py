"""Commands of the HTTP API: serve, and tokens (create, list, revoke).

The API and its server are imported only when one of these commands runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import app
from ._help import examples
from ._options import DbOpt, JsonOpt
from ._store import existing_store, store_for_writing
from ._table import table

if TYPE_CHECKING:
    from ..api.tokens import TokenStore
    from ..store import Store


@app.command(
    epilog=examples(
        "dmzwatch serve --db idlib.db",
        "dmzwatch serve --db idlib.db --host 0.0.0.0 --port 8080 --reports build/reports",
    )
)
def serve(
    db: DbOpt,
    host: Annotated[str, typer.Option("--host", help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port")] = 8000,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", "-s", help="Default scenario (default: idlib-2018)"),
    ] = None,
    reports: Annotated[
        Path | None,
        typer.Option("--reports", help="Directory of report files (default: reports/ by the db)"),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level")] = "info",
) -> None:
    """Serve the HTTP API and the web map (settings also from DMZWATCH_* variables).

    Then open http://127.0.0.1:8000/ for the map; the API is under /api/ (OpenAPI at
    /openapi.json). Prints nothing on stdout (so no --json): the server logs on stderr.
    """
    import uvicorn

    from ..api import create_app, load_settings

    store_for_writing(db).close()  # a file that is no store is refused, not given tables
    settings = load_settings(db=db, scenario=scenario, reports_dir=reports)
    application = create_app(settings)
    typer.echo(f"dmzwatch API on http://{host}:{port}/ (store {settings.db})", err=True)
    uvicorn.run(application, host=host, port=port, log_level=log_level, access_log=False)


tokens_app = typer.Typer(
    help="API tokens: create, list, revoke.",
    no_args_is_help=True,
    epilog=examples(
        "dmzwatch tokens create --db idlib.db --role monitor --party TR",
        "dmzwatch tokens list --db idlib.db",
    ),
)
app.add_typer(tokens_app, name="tokens")


def _token_store(db: str, *, create: bool = False) -> tuple[Store, TokenStore]:
    """The store's tokens; a missing SQLite store is created only for ``create``."""
    from ..api.tokens import TokenStore

    store = store_for_writing(db) if create else existing_store(db)
    return store, TokenStore(lambda: store)


@tokens_app.command(
    "create",
    epilog=examples(
        "dmzwatch tokens create --db idlib.db --role monitor --party TR --label 'TR desk'",
        "dmzwatch tokens create --db idlib.db --role analyst --json",
    ),
)
def tokens_create(
    db: DbOpt,
    role: Annotated[str, typer.Option("--role", help="admin, monitor or analyst")],
    party: Annotated[
        str | None, typer.Option("--party", help="The monitor's party (e.g. TR); monitors only")
    ] = None,
    label: Annotated[str, typer.Option("--label", help="A note: who holds it")] = "",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON: {id, role, party, label, token}")
    ] = False,
) -> None:
    """Make a token; prints its id and role, then the secret alone on the last line (shown once).

    With --json the secret is the ``token`` field; it is stored hashed and cannot be shown
    again.
    """
    from ..api.tokens import Role

    store, tokens = _token_store(db, create=True)
    with store:
        token, secret = tokens.create(Role.parse(role), party=party, label=label)
    if as_json:
        payload = {
            "id": token.id,
            "role": token.role.value,
            "party": token.party,
            "label": token.label,
            "token": secret,
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    party_text = f" for party {token.party}" if token.party else ""
    typer.echo(
        f"created {token.role.value} token {token.id}{party_text}; the secret follows, once:"
    )
    typer.echo(secret)


@tokens_app.command(
    "list",
    epilog=examples(
        "dmzwatch tokens list --db idlib.db", "dmzwatch tokens list --db idlib.db --json"
    ),
)
def tokens_list(db: DbOpt, as_json: JsonOpt = False) -> None:
    """List tokens (never their secrets)."""
    store, tokens = _token_store(db)
    with store:
        rows = tokens.list()
    if as_json:
        out = [
            {
                "id": t.id,
                "role": t.role.value,
                "party": t.party,
                "label": t.label,
                "created_at": t.created_at.isoformat(),
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in rows
        ]
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    if not rows:
        typer.echo("no tokens")
        return
    typer.echo(
        table(
            ["id", "role", "party", "created", "revoked", "label"],
            [
                [
                    t.id,
                    t.role.value,
                    t.party or "",
                    t.created_at.isoformat(),
                    t.revoked_at.isoformat() if t.revoked_at else "",
                    t.label,
                ]
                for t in rows
            ],
        )
    )


@tokens_app.command(
    "revoke",
    epilog=examples(
        "dmzwatch tokens revoke --db idlib.db tok_0123456789ab",
        "dmzwatch tokens revoke --db idlib.db tok_0123456789ab --json",
    ),
)
def tokens_revoke(
    db: DbOpt,
    token_id: Annotated[str, typer.Argument(help="The token's id (tok_...)")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON: {id, role, party, revoked_at}")
    ] = False,
) -> None:
    """Revoke a token: it stops working at once (within the server's cache time, 5 s)."""
    from ..errors import NotFound

    store, tokens = _token_store(db)
    with store:
        before = tokens.get(token_id)
        token = tokens.revoke(token_id)
    if token is None:
        raise NotFound(f"no token {token_id!r}")
    if as_json:
        revoked = token.revoked_at.isoformat() if token.revoked_at else None
        payload = {
            "id": token.id,
            "role": token.role.value,
            "party": token.party,
            "revoked_at": revoked,
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    if before is not None and before.revoked_at is not None:
        typer.echo(
            f"{token.id} ({token.role.value}) was already revoked at "
            f"{before.revoked_at.isoformat()}"
        )
        return
    typer.echo(f"revoked {token.id} ({token.role.value})")
