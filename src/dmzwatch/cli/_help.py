"""Examples for ``--help``: each command's epilog lists command lines a monitor can paste.

Each example is a paragraph of its own, so the help formatter keeps it on its own line.
Avoid square brackets: help texts are rendered as rich markup.

>>> print(examples("dmzwatch scenarios --json"))
Example:
<BLANKLINE>
  dmzwatch scenarios --json
>>> examples("dmzwatch a", "dmzwatch b").splitlines()[0]
'Examples:'
"""

from __future__ import annotations

__all__ = ["examples"]


def examples(*lines: str) -> str:
    """An epilog with the heading ``Example:`` (or ``Examples:``) and one line per example."""
    if not lines or not all(line.startswith("dmzwatch ") for line in lines):
        raise ValueError("each example is a command line starting with 'dmzwatch '")
    head = "Example:" if len(lines) == 1 else "Examples:"
    return "\n\n".join([head, *(f"  {line}" for line in lines)])
