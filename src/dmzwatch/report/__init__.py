"""Reports: summaries, tables and map previews built from a scenario."""

from .summary import BandSummary, band_summary

__all__ = ["BandSummary", "band_summary"]
