"""Commands of the HTTP API: serve, and tokens (create, list, revoke).

The API and its server are imported only when one of these commands runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import app
from ._table import table

if TYPE_CHECKING:
    from ..api.tokens import TokenStore
    from ..store import Store

DbOpt = Annotated[str, typer.Option("--db", help="SQLite file or postgresql://... URL")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]


@app.command()
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

    Example: dmzwatch serve --db events.db --port 8000, then open http://127.0.0.1:8000/
    """
    import uvicorn

    from ..api import create_app, load_settings

    settings = load_settings(db=db, scenario=scenario, reports_dir=reports)
    application = create_app(settings)
    typer.echo(f"dmzwatch API on http://{host}:{port}/ (store {settings.db})", err=True)
    uvicorn.run(application, host=host, port=port, log_level=log_level, access_log=False)


tokens_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")


def _token_store(db: str) -> tuple[Store, TokenStore]:
    from ..api.tokens import TokenStore
    from ..store import open_store

    store = open_store(db)
    return store, TokenStore(lambda: store)


@tokens_app.command("create")
def tokens_create(
    db: DbOpt,
    role: Annotated[str, typer.Option("--role", help="admin, monitor or analyst")],
    party: Annotated[
        str | None, typer.Option("--party", help="The monitor's party (e.g. TR); monitors only")
    ] = None,
    label: Annotated[str, typer.Option("--label", help="A note: who holds it")] = "",
) -> None:
    """Make a token; prints its id and role, then the secret alone on the last line (shown once).

    Example: dmzwatch tokens create --db events.db --role monitor --party TR
    """
    from ..api.tokens import Role

    store, tokens = _token_store(db)
    with store:
        token, secret = tokens.create(Role.parse(role), party=party, label=label)
    party_text = f" for party {token.party}" if token.party else ""
    typer.echo(
        f"created {token.role.value} token {token.id}{party_text}; the secret follows, once:"
    )
    typer.echo(secret)


@tokens_app.command("list")
def tokens_list(db: DbOpt, as_json: JsonOpt = False) -> None:
    """List tokens (never their secrets).

    Example: dmzwatch tokens list --db events.db --json
    """
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


@tokens_app.command("revoke")
def tokens_revoke(
    db: DbOpt, token_id: Annotated[str, typer.Argument(help="The token's id (tok_...)")]
) -> None:
    """Revoke a token: it stops working at once (within the server's cache time, 5 s).

    Example: dmzwatch tokens revoke --db events.db tok_0123456789ab
    """
    from ..errors import NotFound

    store, tokens = _token_store(db)
    with store:
        token = tokens.revoke(token_id)
    if token is None:
        raise NotFound(f"no token {token_id!r}")
    typer.echo(f"revoked {token.id} ({token.role.value})")
