"""Weapon classes inferred from an event's text, marked as inferred, with the words that matched.

Sources such as UCDP GED code events, not weapons; a headline like "Government forces shell
Lattakia Mountains" still tells a monitor that artillery was used. The words come from the
aliases of the equipment-class catalogue (:mod:`dmzwatch.agreement.classes`) plus a few
verb forms sources use (:data:`EXTRA_ALIASES`).

>>> inference = infer_weapon("Raids of the Russian warplanes target at least 20 areas")
>>> inference.equipment_class, inference.matched, inference.inferred
('aircraft', ('warplanes',), True)
>>> infer_weapon("Clashes between the factions").equipment_class is None
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from ..agreement.classes import CATALOGUE
from ..agreement.model import EquipmentClass

__all__ = ["EXTRA_ALIASES", "Inference", "WeaponMatcher", "infer_weapon"]

#: Words sources use that the catalogue does not list (verb forms, plurals of phrases).
EXTRA_ALIASES: Mapping[str, tuple[str, ...]] = {
    "artillery": ("shell", "shells", "artillery shells", "artillery shelling"),
    "aircraft": (
        "air strikes",
        "airstrikes",
        "air raids",
        "warplanes",
        "jets",
        "helicopters",
        "explosive barrels",
        "aerial bombardment",
    ),
    "mlrs": ("rocket shelling",),
}

#: Classes whose aliases are also the aliases of a more general class we prefer
#: (the calibre-specific classes need a calibre, which text rarely gives).
_GENERAL_FIRST = ("mortar_up_to_120mm",)


@dataclass(frozen=True, slots=True)
class Inference:
    """The outcome of reading a text for weapons.

    ``equipment_class`` is the first class named in the text (None when none is);
    ``classes`` every class named, in order of first mention; ``matched`` the words that
    matched, in the text's own spelling.
    """

    equipment_class: str | None
    classes: tuple[str, ...]
    matched: tuple[str, ...]
    inferred: bool = True


class WeaponMatcher:
    """Finds the aliases of equipment classes in text (whole words, longest first)."""

    def __init__(self, classes: Iterable[EquipmentClass]) -> None:
        alias_to_class: dict[str, str] = {}
        ordered = sorted(classes, key=lambda c: c.id in _GENERAL_FIRST)
        for cls in ordered:
            for alias in (*cls.aliases, *EXTRA_ALIASES.get(cls.id, ())):
                alias_to_class.setdefault(alias.lower(), cls.id)
        self._classes = alias_to_class
        aliases = sorted(alias_to_class, key=len, reverse=True)
        body = "|".join(re.escape(a) for a in aliases)
        # Whole words; "anti-tank" does not name a tank, "tanks" does.
        self._pattern = re.compile(rf"(?<![\w-])(?:{body})(?:s|es)?(?![\w-])", re.IGNORECASE)

    def infer(self, text: str) -> Inference:
        """Every class named in ``text``; the first mention is the event's class."""
        classes: list[str] = []
        matched: list[str] = []
        for m in self._pattern.finditer(text or ""):
            word = m.group(0)
            cls = self._classes.get(word.lower()) or self._classes.get(_singular(word.lower()))
            if cls is None:  # pragma: no cover - the pattern only matches aliases
                continue
            if word not in matched:
                matched.append(word)
            if cls not in classes:
                classes.append(cls)
        return Inference(classes[0] if classes else None, tuple(classes), tuple(matched))


def _singular(word: str) -> str:
    if word.endswith("es") and not word.endswith("ses"):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


@lru_cache(maxsize=1)
def _default_matcher() -> WeaponMatcher:
    return WeaponMatcher(CATALOGUE.values())


def infer_weapon(text: str, classes: Iterable[EquipmentClass] | None = None) -> Inference:
    """The weapon classes ``text`` names (catalogue classes unless ``classes`` is given)."""
    matcher = _default_matcher() if classes is None else WeaponMatcher(classes)
    return matcher.infer(text)
