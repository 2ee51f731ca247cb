"""Plain-text tables for the terminal.

Columns are measured in terminal cells, not characters: a combining mark (the vowel signs
of vocalized Arabic, ``مَعَرَّة``) takes none and a wide East Asian character two, so such
text keeps the columns after it aligned. Columns named in ``shrink`` are shortened with
``…`` until the table fits the terminal (80 cells when the output is not a terminal and
``COLUMNS`` is unset).

>>> width("مَعَرَّة"), len("مَعَرَّة")
(4, 8)
"""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Mapping, Sequence

__all__ = ["clip", "table", "terminal_width", "width"]

_GAP = 2  # spaces between columns
_MIN = 8  # a shrunk column keeps at least this many cells (or its header's)


def width(text: str) -> int:
    """Terminal cells ``text`` takes: combining and format characters none, wide ones two."""
    cells = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        cells += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return cells


def clip(text: str, cells: int) -> str:
    """``text`` cut to at most ``cells`` terminal cells, ending in ``…`` when cut.

    >>> clip("Artillery shelling", 10), clip("short", 10)
    ('Artillery…', 'short')
    """
    text = " ".join(text.splitlines())
    if width(text) <= cells:
        return text
    out, used = [], 0
    for char in text:
        w = width(char)
        if used + w > cells - 1:
            break
        out.append(char)
        used += w
    # keep the combining marks of the last letter kept
    rest = text[len(out) :]
    while rest and width(rest[0]) == 0:
        out.append(rest[0])
        rest = rest[1:]
    return "".join(out) + "…"


def terminal_width() -> int:
    """Columns of the terminal (``COLUMNS`` when set; 80 when the output is no terminal)."""
    return shutil.get_terminal_size((80, 24)).columns


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    shrink: Sequence[int] | Mapping[int, int] = (),
    max_width: int | None = None,
) -> str:
    """Left-aligned text, right-aligned numbers, one space-padded column each.

    ``shrink``: indexes of the columns that may be shortened (with ``…``) so that the table
    fits ``max_width`` cells (default: the terminal's width), the first down to its floor
    before the next; a mapping gives each its floor (default: 8 cells or its header), and
    where those floors are not enough, each goes down to 8 cells in the same order.

    >>> print(table(["a", "n"], [["x", 1], ["yy", 22]]))
    a    n
    --  --
    x    1
    yy  22
    >>> print(table(["text", "n"], [["a long text", 1]], shrink=[0], max_width=12))
    text       n
    ---------  -
    a long t…  1
    """
    cells = [[str(h) for h in header]] + [[_fmt(c) for c in row] for row in rows]
    numeric = [
        all(isinstance(r[i], int | float) for r in rows) and rows for i in range(len(header))
    ]
    widths = [max(width(r[i]) for r in cells) for i in range(len(header))]
    limit = terminal_width() if max_width is None else max_width
    given = shrink if isinstance(shrink, Mapping) else dict.fromkeys(shrink, _MIN)
    floors = {i: min(widths[i], max(f, width(cells[0][i]))) for i, f in given.items()}
    last = {i: max(_MIN, width(cells[0][i])) for i in given}
    for floor in (floors, last):  # then, if still too wide, each again down to 8 cells
        for i in given:
            over = sum(widths) + _GAP * (len(widths) - 1) - limit
            if over > 0:
                widths[i] = max(min(floor[i], widths[i]), widths[i] - over)

    def pad(text: str, w: int, right: bool) -> str:
        text = clip(text, w)
        space = " " * (w - width(text))
        return space + text if right else text + space

    def line(r: Sequence[str]) -> str:
        return (
            (" " * _GAP)
            .join(pad(c, w, bool(num)) for c, w, num in zip(r, widths, numeric, strict=True))
            .rstrip()
        )

    return "\n".join([line(cells[0]), line(["-" * w for w in widths]), *map(line, cells[1:])])


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)
