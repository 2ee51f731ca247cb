"""Patrol planning: sectors, their value, the Stackelberg coverage and daily routes.

See ``docs/patrol.md`` for the model. The core needs no database: history comes in as
:class:`HistoryRecord` values.
"""

from .coverage import coverage_geojson, coverage_summary, history_from_events
from .game import Equilibrium, SecurityGame, solve_sse
from .network import RoadNetwork, fallback_network, read_osm
from .plan import Plan, PlanConfig, build_plan, parse_units
from .routes import Route, comb_sample
from .sectors import Sector, cut_sectors, duty_areas
from .simulate import Rate, simulate
from .value import HistoryRecord, ValueWeights, sector_values

__all__ = [
    "Equilibrium",
    "HistoryRecord",
    "Plan",
    "PlanConfig",
    "Rate",
    "RoadNetwork",
    "Route",
    "Sector",
    "SecurityGame",
    "ValueWeights",
    "build_plan",
    "comb_sample",
    "coverage_geojson",
    "coverage_summary",
    "cut_sectors",
    "duty_areas",
    "fallback_network",
    "history_from_events",
    "parse_units",
    "read_osm",
    "sector_values",
    "simulate",
    "solve_sse",
]
