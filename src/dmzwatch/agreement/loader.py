"""Read an agreement TOML file, check it whole, and resolve it into an :class:`Agreement`.

Problems are collected, not raised one by one: a bad file gets one
:class:`~dmzwatch.errors.AgreementError` that names the file and lists every key that is
wrong, what is wrong with it, and what is allowed. Tables that fail the shape checks of
:mod:`.schema` are set aside and the rest of the file is still checked for references
between sections and for its geometry, so one run shows every problem.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import shapely
import shapely.errors
from pydantic import ValidationError
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import LineString, Polygon, shape
from shapely.geometry.base import BaseGeometry

from ..errors import AgreementError, Problem
from ._problems import schema_problems, without_unknown_keys
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
    PatrolPoint,
    PatrolPriority,
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
    PatrolSection,
    ProhibitedClassSection,
    WithdrawalSection,
)

__all__ = ["load_agreement", "parse_agreement"]

_NAMED = ("parties", "actors", "lines", "areas", "zones", "classes")  # tables of named entries
_LISTED = ("rules", "milestones", "patrols")  # arrays of tables


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
    """Check agreement TOML ``text``; relative file names resolve against ``base``.

    >>> parse_agreement('[agreement]\\nid = "x"', source="x.toml", base=Path("."))
    Traceback (most recent call last):
    ...
    dmzwatch.errors.AgreementError: x.toml: invalid agreement (3 problems):
      - agreement.title: required key is missing
      - agreement.signed: required key is missing
      - zones: required key is missing
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AgreementError(source, [Problem("", f"not valid TOML: {exc}")]) from exc
    problems: list[Problem] = []
    kept: dict[str, list[int]] = {}
    try:
        doc = AgreementFile.model_validate(raw)
    except ValidationError as exc:
        errors: list[Mapping[str, Any]] = list(exc.errors())
        # unknown keys stop pydantic before the checks across keys of their table: look
        # again without them, so that one run reports those checks too
        stripped = without_unknown_keys(raw, errors)
        errors += _new_errors(stripped, errors)
        problems = schema_problems(errors, raw)
        salvaged, kept = _salvage(stripped, [e for e in errors if e["type"] != "extra_forbidden"])
        if salvaged is None:
            raise AgreementError(source, problems) from exc
        doc = salvaged
    resolver = _Resolver(doc, base, _names(raw), kept)
    agreement = resolver.resolve(source if isinstance(source, Path) else None)
    problems += resolver.problems
    if problems or agreement is None:
        raise AgreementError(source, problems)
    return agreement


def _names(raw: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """The names each named table defines, valid or not (references to them are not unknown)."""
    return {s: tuple(v) if isinstance(v := raw.get(s), dict) else () for s in _NAMED}


def _new_errors(
    stripped: Mapping[str, Any], errors: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """Errors the file shows once its unknown keys are gone, that were not seen before."""
    try:
        AgreementFile.model_validate(stripped)
    except ValidationError as exc:
        seen = {(tuple(e["loc"]), e["type"]) for e in errors}
        return [e for e in exc.errors() if (tuple(e["loc"]), e["type"]) not in seen]
    return []


def _salvage(
    raw: Mapping[str, Any], errors: Sequence[Mapping[str, Any]]
) -> tuple[AgreementFile | None, dict[str, list[int]]]:
    """The file without the entries that failed, and for arrays the indices kept.

    ``None`` when what is left is not an agreement (a required key of its header, or
    every zone, failed).
    """
    whole: set[str] = set()
    entries: dict[str, set[str | int]] = {}
    for err in errors:
        loc = err["loc"]
        if not loc:
            return None, {}
        if len(loc) == 1 or loc[0] not in ("agreement", *_NAMED, *_LISTED):
            whole.add(str(loc[0]))
        else:
            entries.setdefault(str(loc[0]), set()).add(loc[1])
    pruned: dict[str, Any] = {}
    kept: dict[str, list[int]] = {}
    for section, value in raw.items():
        drop = entries.get(section, set())
        if section in whole:
            continue
        if isinstance(value, list) and drop:
            kept[section] = [i for i in range(len(value)) if i not in drop]
            pruned[section] = [value[i] for i in kept[section]]
        elif isinstance(value, dict) and drop:
            pruned[section] = {k: v for k, v in value.items() if k not in drop}
        else:
            pruned[section] = value
    try:
        return AgreementFile.model_validate(pruned), kept
    except ValidationError:
        return None, {}


def _geometry_problem(geometry: Mapping[str, Any]) -> str | None:
    """What is wrong with a GeoJSON geometry's coordinates, or None when they can be used:
    positions of two finite numbers, lon in [-180, 180] and lat in [-90, 90]."""
    try:
        with warnings.catch_warnings():  # NaN positions: reported below, not warned about
            warnings.simplefilter("ignore", RuntimeWarning)
            geom = shape(geometry)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        return f"its coordinates cannot be read ({exc})"
    except shapely.errors.GEOSException as exc:
        return f"its coordinates do not make a geometry ({str(exc).strip()})"
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        return "its coordinates include a value that is not a finite number"
    outside = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
    if outside.any():
        lon, lat = coords[int(np.flatnonzero(outside)[0])].tolist()
        return (
            f"position [{lon:g}, {lat:g}] is out of range: [lon, lat] with lon in "
            "[-180, 180] and lat in [-90, 90]"
        )
    return None


def _antimeridian_jump(geom: BaseGeometry) -> float | None:
    """The largest jump in longitude between consecutive vertices, when over 180 degrees
    (the line wraps across the 180th meridian), else None."""
    worst = 0.0
    for part in shapely.get_parts(geom):
        lon = shapely.get_coordinates(part)[:, 0]
        if lon.size > 1:
            worst = max(worst, float(np.max(np.abs(np.diff(lon)))))
    return worst if worst > 180 else None


# -- references and geometry ----------------------------------------------------------


class _Resolver:
    """Turns a validated file into value objects, collecting every problem on the way.

    ``names`` are the names every named table defines in the file (also those set aside
    for failing the schema); ``kept`` maps an array of tables to the file indices of the
    entries that passed, so problems name the right ``rules[i]``.
    """

    def __init__(
        self,
        doc: AgreementFile,
        base: Path,
        names: Mapping[str, tuple[str, ...]],
        kept: Mapping[str, list[int]],
    ) -> None:
        self.doc = doc
        self.base = base
        self.names = names
        self.kept = kept
        self.problems: list[Problem] = []
        self.parts: tuple[tuple[str, BaseGeometry], ...] = ()

    def report(self, key: str, message: str) -> None:
        self.problems.append(Problem(key, message))

    def at(self, section: str, index: int) -> str:
        """The key of an entry of an array of tables, by its index in the file."""
        kept = self.kept.get(section)
        return f"{section}[{kept[index] if kept is not None else index}]"

    def check_refs(self, key: str, refs: Iterable[str], section: str, what: str) -> None:
        known = self.names[section]
        for ref in refs:
            if ref not in known:
                allowed = ", ".join(sorted(known)) or "none"
                hint = ""
                if section == "classes" and ref in CATALOGUE:
                    hint = f"; {ref!r} is built in: add an empty [classes.{ref}] table to use it"
                self.report(key, f"unknown {what} {ref!r}; defined in [{section}]: {allowed}{hint}")

    # -- the whole -----------------------------------------------------------------------

    def resolve(self, path: Path | None) -> Agreement | None:
        doc = self.doc
        head = doc.agreement
        tz = self.timezone("agreement.timezone", head.timezone)
        lines = {k: self.line(k, v) for k, v in doc.lines.items()}
        areas = {k: self.area(k, v) for k, v in doc.areas.items()}
        if head.territory is not None:
            self.check_refs("agreement.territory", [head.territory], "areas", "area")
        for layer in head.map_layers:
            if layer not in self.names["lines"] and layer not in self.names["areas"]:
                known = ", ".join(sorted({*self.names["lines"], *self.names["areas"]}))
                self.report(
                    "agreement.map_layers",
                    f"unknown line or area {layer!r}; defined: {known or 'none'}",
                )
        if head.projection is not None:
            self.projection(head.projection)
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

    def unique(self, section: str, ids: list[str]) -> None:
        first: dict[str, int] = {}
        for i, ident in enumerate(ids):
            if ident in first:
                self.report(
                    f"{self.at(section, i)}.id",
                    f"id {ident!r} is already used by {self.at(section, first[ident])}; "
                    "ids must be unique",
                )
            else:
                first[ident] = i

    def timezone(self, key: str, name: str) -> ZoneInfo | None:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.report(key, f"unknown timezone {name!r}; use an IANA name such as 'Asia/Damascus'")
            return None

    def projection(self, name: str) -> None:
        key = "agreement.projection"
        try:
            crs = CRS.from_user_input(name)
        except CRSError:
            self.report(
                key,
                f"not a known CRS: {name!r}; give a projected CRS in metres such as "
                "'EPSG:32637' (UTM 37N) or a PROJ string, or leave it out",
            )
            return
        units = {axis.unit_name for axis in crs.axis_info}
        if not crs.is_projected or units != {"metre"}:
            self.report(
                key,
                f"{name!r} is not a projected CRS in metres (units: {', '.join(sorted(units))}); "
                "give one such as 'EPSG:32637' (UTM 37N), or leave it out",
            )

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
        jump = _antimeridian_jump(geom)
        if jump is not None:
            self.report(
                where,
                f"a segment jumps {jump:g} degrees of longitude: the line crosses the 180th "
                "meridian, and zones are not built across it",
            )
            return None
        return Line(key, geom, section.description.strip(), section.schematic)

    def area(self, key: str, section: AreaSection) -> Area | None:
        where = f"areas.{key}"
        parts: tuple[tuple[str, BaseGeometry], ...] = ()
        if section.coordinates is not None:
            rings = section.coordinates
            nested = isinstance(rings[0][0], list | tuple)
            outer, *holes = rings if nested else [rings]
            unclosed = [i for i, ring in enumerate([outer, *holes]) if ring[0] != ring[-1]]
            if unclosed:
                at = f"{where}.coordinates" + (f"[{unclosed[0]}]" if nested else "")
                self.report(at, "a ring must end where it starts: repeat its first position last")
                return None
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
        """The features of a GeoJSON file that match ``feature`` and ``where``.

        Several polygons are dissolved into one area (``parts`` keeps them with their
        ``label``); several lines become one multi-line with each part's direction kept.
        """
        if section.file is None:  # pragma: no cover - the schema requires file or coordinates
            return None
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
        if not features:
            self.report(f"{where}.file", f"{path.name} has no features")
            return None
        bad = [i for i, f in enumerate(features) if not isinstance(f, dict)]
        if bad:
            self.report(
                f"{where}.file",
                f"{path.name}: features[{bad[0]}] is not a GeoJSON Feature (an object)",
            )
            return None
        props = [f.get("properties") or {} for f in features]
        wanted = dict(section.where)
        if section.feature is not None:
            wanted["name"] = section.feature
        chosen = [(f, p) for f, p in zip(features, props, strict=True) if _matches(p, wanted)]
        if not chosen:
            names = sorted({str(p["name"]) for p in props if "name" in p})
            there = f"names there: {', '.join(names)}" if names else "its features have no 'name'"
            self.report(
                f"{where}.{'feature' if section.feature is not None else 'where'}",
                f"no feature in {path.name} matches {wanted}; {there}",
            )
            return None
        geoms = []
        for f, _ in chosen:
            i = next(k for k, g in enumerate(features) if g is f)
            geometry = f.get("geometry")
            gtype = geometry.get("type") if isinstance(geometry, dict) else None
            if gtype not in types:
                self.report(
                    where,
                    f"feature geometry is {gtype}, expected one of {', '.join(types)} "
                    f"({path.name}, features[{i}])",
                )
                return None
            problem = _geometry_problem(geometry)
            if problem is not None:
                self.report(where, f"{path.name}: features[{i}] ({gtype}): {problem}")
                return None
            geoms.append(shape(geometry))
        if section.label is not None:
            missing = [i for i, (_, p) in enumerate(chosen) if section.label not in p]
            if missing:
                keys = sorted({k for _, p in chosen for k in p})
                self.report(
                    f"{where}.label",
                    f"{len(missing)} chosen feature(s) have no property {section.label!r}; "
                    f"properties there: {', '.join(keys) or 'none'}",
                )
                return None
            self.parts = tuple(
                (str(p[section.label]), g) for (_, p), g in zip(chosen, geoms, strict=True)
            )
        if len(geoms) == 1:
            return geoms[0]
        if "LineString" in types:
            return shapely.MultiLineString([p for g in geoms for p in shapely.get_parts(g)])
        return shapely.union_all(geoms)

    # -- sections ------------------------------------------------------------------------

    def actors(self) -> Iterable[Actor]:
        for key, section in self.doc.actors.items():
            if section.area is not None:
                self.check_refs(f"actors.{key}.area", [section.area], "areas", "area")
            yield Actor(key, section.name, tuple(section.aliases), section.area)

    def zones(self) -> Iterable[ZoneSpec]:
        for key, z in self.doc.zones.items():
            where = f"zones.{key}"
            self.check_refs(f"{where}.within", z.within, "areas", "area")
            band = None
            if z.line is not None and z.max_km is not None and z.side is not None:
                self.check_refs(f"{where}.line", [z.line], "lines", "line")
                core, outer = z.max_km if isinstance(z.max_km, tuple) else (z.max_km, z.max_km)
                band = BandSpec(z.line, Side(z.side), z.min_km, core, outer, z.ends == "flat")
            elif z.area is not None:
                self.check_refs(f"{where}.area", [z.area], "areas", "area")
            clip = z.clip_to_territory and self.doc.agreement.territory is not None
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
                    "a class outside the built-in catalogue needs a 'title' (and 'aliases': "
                    f"the words reports use for it); built-in: {', '.join(sorted(CATALOGUE))}",
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
        where = self.at("rules", index)
        self.check_refs(f"{where}.zone", [s.zone], "zones", "zone")
        if not isinstance(s, AttackSection):
            self.check_refs(f"{where}.classes", s.classes, "classes", "equipment class")
        if not isinstance(s, WithdrawalSection):
            self.check_refs(f"{where}.actors", s.actors, "actors", "actor")
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
        zone = self.doc.zones.get(s.zone)
        if zone is not None and zone.line is None:
            self.report(
                f"{where}.zone", f"a withdrawal rule needs a band zone; {s.zone!r} is an area"
            )
        sides = []
        for side, actors in s.sides.items():
            self.check_refs(f"{where}.sides.{side}", actors, "actors", "actor")
            if zone is not None and zone.side is not None and zone.side not in ("both", side):
                self.report(
                    f"{where}.sides.{side}",
                    f"zone {s.zone!r} lies only on the {zone.side} side of its line; "
                    f"allowed here: {zone.side}",
                )
            sides.append((Side(side), tuple(actors)))
        return WithdrawalRule(s.id, clause, s.zone, tuple(s.classes), s.start, tuple(sides), s.end)

    def milestones(self, default_tz: ZoneInfo | None) -> Iterable[Milestone]:
        for i, m in enumerate(self.doc.milestones):
            tz = default_tz
            if m.timezone is not None:
                tz = self.timezone(f"{self.at('milestones', i)}.timezone", m.timezone)
            if tz is not None:
                yield Milestone(m.id, m.title, dt.datetime.combine(m.date, m.time, tzinfo=tz))

    def patrols(self) -> Iterable[PatrolDuty]:
        for i, p in enumerate(self.doc.patrols):
            where = self.at("patrols", i)
            self.check_refs(f"{where}.parties", p.parties, "parties", "party")
            self.check_refs(f"{where}.coordinated_with", p.coordinated_with, "parties", "party")
            if p.zone is not None:
                self.check_refs(f"{where}.zone", [p.zone], "zones", "zone")
            if p.line is not None:
                self.check_refs(f"{where}.line", [p.line], "lines", "line")
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
                depth_km=p.depth_km,
                sector_km=p.sector_km,
                bases=tuple(PatrolPoint(b.name, b.at[0], b.at[1]) for b in p.bases),
                meeting_points=tuple(
                    PatrolPoint(m.name, m.at[0], m.at[1]) for m in p.meeting_points
                ),
                priorities=tuple(self.patrol_priorities(where, p)),
            )

    def patrol_priorities(self, where: str, p: PatrolSection) -> Iterable[PatrolPriority]:
        for j, q in enumerate(p.priorities):
            if q.line is not None:
                self.check_refs(f"{where}.priorities.{j}.line", [q.line], "lines", "line")
            if q.area is not None:
                self.check_refs(f"{where}.priorities.{j}.area", [q.area], "areas", "area")
            yield PatrolPriority(q.label, q.weight, q.within_km, q.line, q.area, q.at)


def _first(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)


def _matches(properties: Mapping[str, Any], wanted: Mapping[str, object]) -> bool:
    return all(k in properties and properties[k] == v for k, v in wanted.items())
