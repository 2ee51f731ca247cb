"""Weapon inference on real UCDP headlines (UCDP GED, CC BY 4.0)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from dmzwatch.agreement.classes import CATALOGUE
from dmzwatch.events.infer import infer_weapon

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")


@pytest.fixture(scope="module")
def headlines() -> dict[str, str]:
    with UCDP.open(encoding="utf-8", newline="") as fh:
        return {row["id"]: row["source_headline"] for row in csv.DictReader(fh)}


@pytest.mark.parametrize(
    ("event_id", "cls", "word"),
    [
        ("263090", None, None),  # "regime forces escalate their violations ... claiming the lives"
        ("263149", "artillery", "shell"),  # "The regime forces shell Lattakia Mountains ..."
    ],
)
def test_known_headlines(
    headlines: dict[str, str], event_id: str, cls: str | None, word: str | None
) -> None:
    inference = infer_weapon(headlines[event_id])
    assert inference.equipment_class == cls
    if word:
        assert word in inference.matched
    assert inference.inferred


def test_real_headlines_name_air_strikes_shelling_rockets_and_barrel_bombs(
    headlines: dict[str, str],
) -> None:
    classes: Counter[str | None] = Counter()
    words: Counter[str] = Counter()
    for text in headlines.values():
        inference = infer_weapon(text)
        classes[inference.equipment_class] += 1
        words.update(w.lower() for w in inference.matched)
        for w in inference.matched:
            assert w.lower() in text.lower()
        assert all(c in CATALOGUE for c in inference.classes)
    assert classes["aircraft"] > 200 and classes["artillery"] > 200 and classes["mlrs"] > 20
    assert words["barrel bombs"] > 10 and words["shelling"] > 100 and words["warplanes"] > 100
    assert classes[None] > 0  # most clashes name no weapon: nothing is invented


def test_whole_words_only() -> None:
    assert infer_weapon("an anti-tank missile hit a car").equipment_class is None
    assert infer_weapon("tanks seen near Morek").equipment_class == "tank"
    assert infer_weapon("Samantha went home").equipment_class is None
    assert infer_weapon("two mortars and a T-72").classes == ("mortar", "tank")
