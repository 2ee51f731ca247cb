"""Matching the actor names sources use to the agreement's actors, and who a rule binds.

Sources name actors their own way ("National Front for Liberation, SNA", "Government of
Syria"); the agreement lists its actors with aliases. A source name matches an actor when
it contains the actor's id, name or an alias as a whole phrase (case ignored, except for
aliases written in capitals of up to four letters, such as ``IS`` or ``SAA``, which must
match exactly so that the word "is" does not name a group).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..agreement.model import Actor

__all__ = ["ActorMatcher", "Attribution", "Blame"]


class Blame(enum.Enum):
    """How an event's actors relate to the actors a rule binds."""

    ANYONE = "the rule binds every actor"
    BOUND = "every actor the source names is bound by the rule"
    SHARED = "the source names actors the rule binds and others; it does not say which one acted"
    UNNAMED = "the source names no actor"
    NOT_BOUND = "no actor the source names is bound by the rule"


@dataclass(frozen=True, slots=True)
class Attribution:
    """Which of an event's actors a rule binds, and what that means for the verdict."""

    blame: Blame
    bound: tuple[str, ...]
    others: tuple[str, ...]

    @property
    def applies(self) -> bool:
        return self.blame is not Blame.NOT_BOUND

    @property
    def certain(self) -> bool:
        return self.blame in (Blame.ANYONE, Blame.BOUND)


class ActorMatcher:
    """Maps source actor names to agreement actor ids.

    >>> from dmzwatch.agreement.model import Actor
    >>> m = ActorMatcher([Actor("opposition", "Armed opposition", ("NFL", "SNA",
    ...                         "National Front for Liberation")),
    ...                   Actor("radical", "Listed groups", ("HTS", "IS"))])
    >>> sorted(m.ids("National Front for Liberation, SNA"))
    ['opposition']
    >>> sorted(m.ids("This is a government"))
    []
    >>> a = m.attribute(["Government of Syria", "HTS"], ["opposition", "radical"])
    >>> a.blame.name, a.bound, a.others
    ('SHARED', ('radical',), ('Government of Syria',))
    """

    def __init__(self, actors: Iterable[Actor]) -> None:
        patterns: list[tuple[str, re.Pattern[str]]] = []
        for actor in actors:
            for phrase in (actor.id, actor.name, *actor.aliases):
                phrase = phrase.strip()
                if not phrase:
                    continue
                exact = phrase.isupper() and len(phrase) <= 4
                flags = 0 if exact else re.IGNORECASE
                body = r"[\s_\-]+".join(re.escape(w) for w in re.split(r"[\s_]+", phrase))
                patterns.append((actor.id, re.compile(rf"(?<!\w){body}(?!\w)", flags)))
        self._patterns = tuple(patterns)

    def ids(self, name: str) -> frozenset[str]:
        """Ids of every agreement actor ``name`` names."""
        return frozenset(actor for actor, pattern in self._patterns if pattern.search(name))

    def attribute(self, names: Sequence[str], bound: Iterable[str]) -> Attribution:
        """How the actors a source names (``names``) relate to the ``bound`` actor ids.

        An empty ``bound`` binds everyone. Each name counts once: bound when it names a
        bound actor, otherwise one of the ``others``.
        """
        wanted = frozenset(bound)
        if not wanted:
            return Attribution(Blame.ANYONE, (), tuple(names))
        names = [n for n in names if n.strip()]
        if not names:
            return Attribution(Blame.UNNAMED, (), ())
        hit: list[str] = []
        others: list[str] = []
        for name in names:
            ids = self.ids(name) & wanted
            if ids:
                hit.extend(sorted(ids - set(hit)))
            else:
                others.append(name)
        if not hit:
            return Attribution(Blame.NOT_BOUND, (), tuple(others))
        blame = Blame.SHARED if others else Blame.BOUND
        return Attribution(blame, tuple(hit), tuple(others))
