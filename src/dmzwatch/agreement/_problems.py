"""Turn pydantic's validation errors into problems an agreement writer can act on.

Each :class:`~dmzwatch.errors.Problem` names the exact key path as the writer spells it
(``zones.dmz.max_km``, ``rules[2].kind``) and says what is allowed there. Union members
(``max_km`` is a number or ``[core, outer]``) are reported as one problem, and the tags
pydantic puts in locations (rule kinds, type names) are left out of the key path.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..errors import Problem
from .schema import (
    ID_RULE,
    RULE_KINDS,
    RULE_SECTIONS,
    ActorSection,
    AgreementFile,
    AgreementSection,
    AreaSection,
    ClassSection,
    FieldProblem,
    LineSection,
    MilestoneSection,
    PartySection,
    PatrolSection,
    ZoneSection,
)

__all__ = ["schema_problems", "without_unknown_keys"]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_UNION_HINTS = {
    "max_km": "a number of km, or [core, outer]: two numbers with core <= outer",
    "coordinates": (
        "a ring [[lon, lat], ...] of at least 4 positions, or a list of rings "
        "(the outer ring first, then holes)"
    ),
    "where": "a string, number or boolean (a property value to match)",
}
_ENTRY_SECTIONS: dict[str, type[BaseModel]] = {
    "parties": PartySection,
    "actors": ActorSection,
    "lines": LineSection,
    "areas": AreaSection,
    "zones": ZoneSection,
    "classes": ClassSection,
    "milestones": MilestoneSection,
    "patrols": PatrolSection,
}


@dataclass(frozen=True, slots=True)
class _Located:
    """One pydantic error, placed in the file: the key path, and the union branch if any."""

    err: Mapping[str, Any]
    path: tuple[str | int, ...]
    union_at: int | None  # length of the path where a union was entered
    branch: str | None  # which member of that union (a rule kind, or a type name)
    key_error: bool  # the table key itself is wrong, not its value

    @property
    def wrong_shape(self) -> bool:
        """The error says the value at the union point is of the wrong type altogether."""
        return len(self.path) == self.union_at and str(self.err["type"]).endswith(
            ("_type", "_parsing")
        )


def _locate(raw: Mapping[str, Any], err: Mapping[str, Any]) -> _Located:
    """Follow the error's location through the parsed file, skipping union member tags."""
    path: list[str | int] = []
    node: Any = raw
    union_at: int | None = None
    branch: str | None = None
    key_error = False
    for part in err["loc"]:
        if part == "[key]":
            key_error = True
        elif isinstance(part, str) and (
            (isinstance(node, dict) and node.get("kind") == part and union_at is None)
            or (node is not None and not isinstance(node, dict))
        ):  # the tag of a union member: a rule kind, or a type name
            if union_at is None:
                union_at, branch = len(path), part
        elif (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]
        else:  # a missing key
            path.append(part)
            node = None
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, FieldProblem) and cause.key:
        path += cause.key.split(".")
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        path.append("kind")
    return _Located(err, tuple(path), union_at, branch, key_error)


def _key(path: Iterable[str | int]) -> str:
    """A key path as the writer would spell it: ``zones.dmz.max_km``, ``rules[2].zone``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = part if _BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False)
            out += f".{name}" if out else name
    return out


def schema_problems(errors: Sequence[Mapping[str, Any]], raw: Mapping[str, Any]) -> list[Problem]:
    """One problem per error, except that the members of a union are reported as one.

    Where a value fits no member of a union (``max_km = "x"``), one problem says what
    shapes are allowed; where it has the shape of one member but fails inside it, that
    member's errors are reported.
    """
    slots: dict[object, list[_Located]] = {}
    for i, err in enumerate(errors):
        located = _locate(raw, err)
        slot = ("one", i) if located.union_at is None else located.path[: located.union_at]
        slots.setdefault(slot, []).append(located)
    problems = []
    for group in slots.values():
        branches: dict[str | None, list[_Located]] = {}
        for located in group:
            branches.setdefault(located.branch, []).append(located)
        shaped = [b for b in branches.values() if not any(x.wrong_shape for x in b)]
        if len(branches) > 1 and not shaped:
            problems.append(_union_problem(group[0], list(branches)))
        else:
            chosen = min(shaped, key=len) if len(branches) > 1 else group
            problems += [_problem(x) for x in chosen]
    return problems


def without_unknown_keys(
    raw: Mapping[str, Any], errors: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """A copy of the parsed file without the keys that ``errors`` call unknown."""
    out = copy.deepcopy(dict(raw))
    for err in errors:
        if err["type"] != "extra_forbidden":
            continue
        *parents, name = _locate(raw, err).path
        node: Any = out
        for part in parents:
            node = node[part]
        if isinstance(node, dict):
            node.pop(name, None)
    return out


def _union_problem(located: _Located, branches: list[str | None]) -> Problem:
    path = located.path[: located.union_at]
    members = ", ".join(str(b) for b in branches)
    hint = _UNION_HINTS.get(str(path[-1]) if path else "", f"one of: {members}")
    return Problem(_key(path), f"must be {hint}{_got(located.err['input'])}")


def _got(value: object) -> str:
    return "" if isinstance(value, dict | list) else f" (got {value!r})"


def _allowed_keys(located: _Located) -> list[str]:
    parent = located.path[:-1]
    model: type[BaseModel] | None = None
    if not parent:
        model = AgreementFile
    elif parent == ("agreement",):
        model = AgreementSection
    elif len(parent) == 2 and parent[0] == "rules":
        model = RULE_SECTIONS.get(str(located.branch))
    elif len(parent) == 2:
        model = _ENTRY_SECTIONS.get(str(parent[0]))
    return list(model.model_fields) if model is not None else []


def _problem(located: _Located) -> Problem:
    """What is wrong, in words that say what is allowed."""
    err = located.err
    kind = str(err["type"])
    ctx = err.get("ctx") or {}
    value = located.path[-1] if located.key_error and located.path else err.get("input")
    got = _got(value)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(located)
        close = difflib.get_close_matches(str(located.path[-1]), allowed, n=1)
        message = "unknown key" + (f" (did you mean {close[0]!r}?)" if close else "")
        if allowed:
            message += f"; allowed here: {', '.join(allowed)}"
    elif kind == "missing" and located.path and isinstance(located.path[-1], int):
        # only positions are tuples: blame the position, not its missing latitude
        return Problem(_key(located.path[:-1]), "a position needs two numbers: [lon, lat]")
    elif kind == "missing":
        message = "required key is missing"
    elif kind == "union_tag_invalid":
        message = f"unknown rule kind {ctx.get('tag')!r}; allowed: {', '.join(RULE_KINDS)}"
    elif kind == "union_tag_not_found":
        message = f"required key is missing; a rule's kind is one of: {', '.join(RULE_KINDS)}"
    elif kind == "literal_error":
        message = f"must be one of {ctx.get('expected')}{got}"
    elif kind in ("string_pattern_mismatch", "string_too_long"):  # only ids are constrained
        message = f"not a valid id: {ID_RULE}{got}"
    elif kind == "value_error":
        cause = ctx.get("error")
        text = cause.message if isinstance(cause, FieldProblem) else str(err["msg"])
        message = text.removeprefix("Value error, ")
    elif kind in ("too_short", "too_long"):
        bound = ctx.get("min_length" if kind == "too_short" else "max_length")
        least = "least" if kind == "too_short" else "most"
        message = f"needs at {least} {bound} item(s), got {ctx.get('actual_length')}"
    elif kind.startswith("date"):
        message = f"must be a date such as 2018-10-10 (a TOML date, no quotes){got}"
    elif kind.startswith("time"):
        message = (
            "must be a time of day such as 00:01:00 (a TOML local time, no quotes, without a "
            f"UTC offset; 'timezone' says which zone){got}"
        )
    elif kind in ("dict_type", "model_type", "model_attributes_type"):
        message = f"must be a table of keys and values{got}"
    elif kind in ("list_type", "tuple_type"):
        message = f"must be a list [...]{got}"
    elif kind.startswith("bool"):
        message = f"must be true or false{got}"
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        message = f"must be a whole number{got}"
    elif kind in ("float_type", "float_parsing"):
        message = f"must be a number{got}"
    elif kind == "string_type":
        message = f"must be a string in double quotes{got}"
    else:
        message = str(err["msg"]).replace("Input should be", "must be") + got
    if located.key_error:
        message = f"the key itself is wrong: {message}"
    return Problem(_key(located.path), message)
