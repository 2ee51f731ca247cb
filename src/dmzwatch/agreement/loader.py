"""Read an agreement TOML file, check it whole, and resolve it into an :class:`Agreement`.

Problems are collected, not raised one by one: a bad file gets one
:class:`~dmzwatch.errors.AgreementError` that names the file and lists every key that is
wrong, what is wrong with it, and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import shapely
from pydantic import ValidationError
from shapely.geometry import LineString, Polygon, shape
from shapely.geometry.base import BaseGeometry

from ..errors import AgreementError, Problem
from .classes import CATALOGUE
from .model import (
    Actor,
    Agreement,
    Area,
    AttackRule,
    BandSpec,
    CapRule,
    EquipmentClass,
    Line,
    Milestone,
    Party,
    PatrolDuty,
    ProhibitedClassRule,
    Rule,
    Side,
    WithdrawalRule,
    ZoneSpec,
)
from .schema import (
    AgreementFile,
    AreaSection,
    AttackSection,
    CapSection,
    GeometrySource,
    LineSection,
    ProhibitedClassSection,
    WithdrawalSection,
)

__all__ = ["load_agreement", "parse_agreement"]


def load_agreement(path: str | Path) -> Agreement:
    """Load and check an agreement file.

    Raises
    ------
    AgreementError
        Listing every problem found in the file.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AgreementError(path, [Problem("", f"cannot read the file: {exc}")]) from exc
    return parse_agreement(text, source=path, base=path.parent)


def parse_agreement(text: str, *, source: str | Path, base: Path) -> Agreement:
    """Check agreement TOML ``text``; relative file names resolve against ``base``."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AgreementError(source, [Problem("", f"not valid TOML: {exc}")]) from exc
    try:
        doc = AgreementFile.model_validate(raw)
    except ValidationError as exc:
        raise AgreementError(source, [_problem(err) for err in exc.errors()]) from exc
    resolver = _Resolver(doc, base)
    agreement = resolver.resolve(source if isinstance(source, Path) else None)
    if resolver.problems:
        raise AgreementError(source, resolver.problems)
    assert agreement is not None  # resolve() returns None only with problems
    return agreement


def _first(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)


def _problem(err: Mapping[str, Any]) -> Problem:
    key = ""
    for part in err["loc"]:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    message = str(err["msg"])
    if err["type"] == "extra_forbidden":
        message = "unknown key (check its spelling; see docs/agreements.md for the format)"
    elif err["type"] == "missing":
        message = "required key is missing"
    elif err["type"] == "union_tag_invalid":
        message = message.replace("Input tag", "rule kind").replace("input", "key")
    value = err.get("input")
    if err["type"] not in ("missing", "extra_forbidden") and not isinstance(value, dict | list):
        message += f" (got {value!r})"
    return Problem(key, message)


class _Resolver:
    """Turns a validated file into value objects, collecting every problem on the way."""

    def __init__(self, doc: AgreementFile, base: Path) -> None:
        self.doc = doc
        self.base = base
        self.problems: list[Problem] = []

    def report(self, key: str, message: str) -> None:
        self.problems.append(Problem(key, message))

    def check_refs(
        self, key: str, refs: Iterable[str], known: Mapping[str, object], what: str
    ) -> None:
        for ref in refs:
            if ref not in known:
                allowed = ", ".join(sorted(known)) or "none are defined"
                self.report(key, f"unknown {what} {ref!r}; defined: {allowed}")

    # -- the whole -----------------------------------------------------------------------

    def resolve(self, path: Path | None) -> Agreement | None:
        doc = self.doc
        head = doc.agreement
        tz = self.timezone("agreement.timezone", head.timezone)
        lines = {k: self.line(k, v) for k, v in doc.lines.items()}
        areas = {k: self.area(k, v) for k, v in doc.areas.items()}
        if head.territory is not None:
            self.check_refs("agreement.territory", [head.territory], doc.areas, "area")
        self.check_refs(
            "agreement.map_layers", head.map_layers, {**doc.lines, **doc.areas}, "line or area"
        )
        places = None
        if head.places is not None:
            places = (self.base / head.places).resolve()
            if not places.is_file():
                self.report("agreement.places", f"file not found: {places}")
        actors = tuple(self.actors())
        zones = tuple(self.zones())
        classes = self.classes()
        rules = tuple(r for i, s in enumerate(doc.rules) if (r := self.rule(i, s)) is not None)
        self.unique("rules", [r.id for r in doc.rules])
        milestones = tuple(self.milestones(tz))
        self.unique("milestones", [m.id for m in doc.milestones])
        patrols = tuple(self.patrols())
        self.unique("patrols", [p.id for p in doc.patrols])
        if self.problems or tz is None:
            return None
        return Agreement(
            id=head.id,
            title=head.title,
            signed=head.signed,
            timezone=tz,
            summary=head.summary.strip(),
            sources=tuple(head.sources),
            parties=tuple(Party(k, v.name, v.role) for k, v in doc.parties.items()),
            actors=actors,
            lines={k: v for k, v in lines.items() if v is not None},
            areas={k: v for k, v in areas.items() if v is not None},
            territory=head.territory,
            zones=zones,
            classes=classes,
            rules=rules,
            milestones=milestones,
            patrols=patrols,
            places_file=places,
            map_layers=tuple(head.map_layers),
            projection=head.projection,
            path=path,
            schematic=head.schematic or any(v.schematic for v in doc.lines.values()),
        )

    def unique(self, key: str, ids: list[str]) -> None:
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            self.report(key, f"id {dup!r} is used more than once")

    def timezone(self, key: str, name: str) -> ZoneInfo | None:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.report(key, f"unknown timezone {name!r}; use an IANA name such as 'Asia/Damascus'")
            return None

    # -- geometry ------------------------------------------------------------------------

    def line(self, key: str, section: LineSection) -> Line | None:
        where = f"lines.{key}"
        if section.coordinates is not None:
            geom: BaseGeometry | None = LineString(section.coordinates)
        else:
            geom = self.from_file(where, section, ("LineString", "MultiLineString"))
        if geom is None:
            return None
        if geom.length == 0:
            self.report(where, "the line has zero length")
            return None
        return Line(key, geom, section.description.strip(), section.schematic)

    def area(self, key: str, section: AreaSection) -> Area | None:
        where = f"areas.{key}"
        parts: tuple[tuple[str, BaseGeometry], ...] = ()
        if section.coordinates is not None:
            rings = section.coordinates
            nested = isinstance(rings[0][0], list | tuple)
            outer, *holes = rings if nested else [rings]
            geom: BaseGeometry | None = Polygon(outer, holes)
        else:
            geom = self.from_file(where, section, ("Polygon", "MultiPolygon"))
            parts = self.parts
        if geom is None:
            return None
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            self.report(where, f"the polygon is not valid ({reason}); it will not be repaired")
            return None
        if geom.area == 0:
            self.report(where, "the polygon has zero area")
            return None
        return Area(key, shapely.normalize(geom), section.description.strip(), parts)

    def from_file(
        self, where: str, section: GeometrySource, types: tuple[str, ...]
    ) -> BaseGeometry | None:
        assert section.file is not None
        self.parts = ()
        path = (self.base / section.file).resolve()
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            self.report(f"{where}.file", f"file not found: {path}")
            return None
        except (OSError, ValueError) as exc:
            self.report(f"{where}.file", f"cannot read GeoJSON from {path}: {exc}")
            return None
        features = data.get("features") if isinstance(data, dict) else None
        if not isinstance(features, list):
            self.report(f"{where}.file", f"{path} is not a GeoJSON FeatureCollection")
            return None
        wanted = dict(section.where)
        if section.feature is not None:
            wanted["name"] = section.feature
        chosen = [
            f
            for f in features
            if all((f.get("properties") or {}).get(k) == v for k, v in wanted.items())
        ]
        if not chosen:
            names = sorted(str((f.get("properties") or {}).get("name")) for f in features)
            self.report(
                f"{where}.feature",
                f"no feature in {path.name} matches {wanted}; names there: {', '.join(names)}",
            )
            return None
        geoms = []
        for f in chosen:
            gtype = (f.get("geometry") or {}).get("type")
            if gtype not in types:
                self.report(where, f"feature geometry is {gtype}, expected one of {types}")
                return None
            geoms.append(shape(f["geometry"]))
        if section.label is not None:
            self.parts = tuple(
                (str((f.get("properties") or {}).get(section.label, "")), g)
                for f, g in zip(chosen, geoms, strict=True)
            )
        return geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)

    parts: tuple[tuple[str, BaseGeometry], ...] = ()

    # -- sections ------------------------------------------------------------------------

    def actors(self) -> Iterable[Actor]:
        for key, section in self.doc.actors.items():
            if section.area is not None:
                self.check_refs(f"actors.{key}.area", [section.area], self.doc.areas, "area")
            yield Actor(key, section.name, tuple(section.aliases), section.area)

    def zones(self) -> Iterable[ZoneSpec]:
        doc = self.doc
        for key, z in doc.zones.items():
            where = f"zones.{key}"
            self.check_refs(f"{where}.within", z.within, doc.areas, "area")
            band = None
            if z.line is not None:
                self.check_refs(f"{where}.line", [z.line], doc.lines, "line")
                assert z.max_km is not None and z.side is not None  # checked by the schema
                core, outer = z.max_km if isinstance(z.max_km, tuple) else (z.max_km, z.max_km)
                band = BandSpec(z.line, Side(z.side), z.min_km, core, outer, z.ends == "flat")
            else:
                assert z.area is not None
                self.check_refs(f"{where}.area", [z.area], doc.areas, "area")
            clip = z.clip_to_territory and doc.agreement.territory is not None
            yield ZoneSpec(
                key, z.title or key, band, z.area, tuple(z.within), clip, z.description.strip()
            )

    def classes(self) -> dict[str, EquipmentClass]:
        out = {}
        for key, c in self.doc.classes.items():
            known = CATALOGUE.get(key)
            if known is None and c.title is None:
                self.report(
                    f"classes.{key}",
                    "a class outside the built-in catalogue needs a 'title' and 'aliases'; "
                    f"built-in classes: {', '.join(sorted(CATALOGUE))}",
                )
                continue
            aliases = tuple(dict.fromkeys([*(known.aliases if known else ()), *c.aliases]))
            out[key] = EquipmentClass(
                key,
                c.title or (known.title if known else key),
                aliases,
                _first(c.calibre_min_mm, known.calibre_min_mm if known else None),
                _first(c.calibre_max_mm, known.calibre_max_mm if known else None),
            )
        return out

    def rule(
        self, index: int, s: ProhibitedClassSection | CapSection | AttackSection | WithdrawalSection
    ) -> Rule | None:
        doc = self.doc
        where = f"rules[{index}]"
        self.check_refs(f"{where}.zone", [s.zone], doc.zones, "zone")
        if not isinstance(s, AttackSection):
            self.check_refs(f"{where}.classes", s.classes, doc.classes, "equipment class")
        if not isinstance(s, WithdrawalSection):
            self.check_refs(f"{where}.actors", s.actors, doc.actors, "actor")
        clause = " ".join(s.clause.split())
        if isinstance(s, ProhibitedClassSection):
            return ProhibitedClassRule(
                s.id, clause, s.zone, tuple(s.classes), s.start, tuple(s.actors), s.end
            )
        if isinstance(s, CapSection):
            return CapRule(
                s.id,
                clause,
                s.zone,
                tuple(s.classes),
                s.max_count,
                s.window_days,
                s.start,
                tuple(s.actors),
                s.end,
            )
        if isinstance(s, AttackSection):
            return AttackRule(s.id, clause, s.zone, s.start, s.start_time, tuple(s.actors), s.end)
        zone = doc.zones.get(s.zone)
        if zone is not None and zone.line is None:
            self.report(
                f"{where}.zone", f"a withdrawal rule needs a band zone; {s.zone!r} is an area"
            )
        sides = []
        for side, actors in s.sides.items():
            self.check_refs(f"{where}.sides.{side}", actors, doc.actors, "actor")
            sides.append((Side(side), tuple(actors)))
        return WithdrawalRule(s.id, clause, s.zone, tuple(s.classes), s.start, tuple(sides), s.end)

    def milestones(self, default_tz: ZoneInfo | None) -> Iterable[Milestone]:
        for i, m in enumerate(self.doc.milestones):
            tz = default_tz
            if m.timezone is not None:
                tz = self.timezone(f"milestones[{i}].timezone", m.timezone)
            if tz is not None:
                yield Milestone(m.id, m.title, dt.datetime.combine(m.date, m.time, tzinfo=tz))

    def patrols(self) -> Iterable[PatrolDuty]:
        doc = self.doc
        for i, p in enumerate(doc.patrols):
            where = f"patrols[{i}]"
            self.check_refs(f"{where}.parties", p.parties, doc.parties, "party")
            self.check_refs(f"{where}.coordinated_with", p.coordinated_with, doc.parties, "party")
            if p.zone is not None:
                self.check_refs(f"{where}.zone", [p.zone], doc.zones, "zone")
            if p.line is not None:
                self.check_refs(f"{where}.line", [p.line], doc.lines, "line")
            yield PatrolDuty(
                p.id,
                tuple(p.parties),
                p.zone,
                p.line,
                Side(p.side) if p.side else None,
                p.joint,
                tuple(p.coordinated_with),
                p.start,
                p.units,
                p.route_km_per_day,
                p.description.strip(),
            )
