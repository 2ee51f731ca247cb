"""The ``dmzwatch`` command line.

Each command group lives in a module of this package and registers on :data:`app`;
:func:`main` turns a :class:`~dmzwatch.errors.DmzwatchError` into a message on stderr and
the error's exit code.
"""

from __future__ import annotations

import logging
import sys

import typer

from ..errors import DmzwatchError
from ._help import examples

__all__ = ["app", "main"]

app = typer.Typer(
    name="dmzwatch",
    help="Monitor and verify demilitarized-zone and ceasefire agreements.",
    epilog=examples(
        "dmzwatch demo --scenario idlib-2018 --out build/demo",
        "dmzwatch ingest ../shared/data/ucdp_ged_syria_nw_2018_2019.csv --db idlib.db",
        "dmzwatch check --scenario idlib-2018 --db idlib.db",
        "dmzwatch report --scenario idlib-2018 --db idlib.db --date 2018-11-24",
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)

# The import order is the order of the commands in --help (hence I001 off).
from . import zones as _zones  # noqa: E402, I001  (registers its commands on app)
from . import patrol as _patrol  # noqa: E402, F401  (registers its commands on app)
from . import events as _events  # noqa: E402, F401  (registers its commands on app)
from . import records as _records  # noqa: E402, F401  (registers its commands on app)
from . import serve as _serve  # noqa: E402, F401  (registers its commands on app)
from . import report as _report  # noqa: E402, F401  (registers its commands on app)
from . import findings as _findings  # noqa: E402, F401  (registers its commands on app)

_ = _zones


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (usage errors exit 2, as click's do)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app(args=argv, prog_name="dmzwatch")
    except DmzwatchError as exc:
        typer.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
