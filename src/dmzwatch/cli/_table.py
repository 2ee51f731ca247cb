"""Plain-text tables for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["table"]


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Left-aligned text, right-aligned numbers, one space-padded column each.

    >>> print(table(["a", "n"], [["x", 1], ["yy", 22]]))
    a    n
    --  --
    x    1
    yy  22
    """
    cells = [[str(h) for h in header]] + [[_fmt(c) for c in row] for row in rows]
    numeric = [
        all(isinstance(r[i], int | float) for r in rows) and rows for i in range(len(header))
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(r: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if num else c.ljust(w) for c, w, num in zip(r, widths, numeric, strict=True)
        ).rstrip()

    return "\n".join([line(cells[0]), line(["-" * w for w in widths]), *map(line, cells[1:])])


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)
