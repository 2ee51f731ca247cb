"""The built-in catalogue of equipment classes and the words sources use for them.

An agreement lists the classes it regulates; a class whose id is in this catalogue gets
these titles and aliases unless the file gives its own (its aliases are added to ours).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from .model import EquipmentClass

__all__ = ["CATALOGUE", "FIRED_FROM_AFAR", "class_lookup"]

#: Classes that hit far from where they stand (fire from a distance): an event of such a
#: class is a strike rather than a clash, and its location, where the weapon struck, does
#: not show where the weapon was.
FIRED_FROM_AFAR = frozenset(
    {
        "aircraft",
        "drone",
        "artillery",
        "artillery_100mm_plus",
        "artillery_under_100mm",
        "mlrs",
        "mlrs_heavy",
        "mortar",
        "mortar_up_to_120mm",
    }
)

CATALOGUE: dict[str, EquipmentClass] = {
    c.id: c
    for c in (
        EquipmentClass(
            "tank",
            "Tank",
            ("tank", "tanks", "main battle tank", "mbt", "t-55", "t-62", "t-64", "t-72", "t-90"),
        ),
        EquipmentClass(
            "artillery",
            "Artillery (any calibre)",
            (
                "artillery",
                "howitzer",
                "howitzers",
                "field gun",
                "cannon",
                "shelling",
                "shelled",
                "artillery fire",
            ),
        ),
        EquipmentClass(
            "artillery_100mm_plus",
            "Artillery of 100 mm calibre and more",
            ("heavy artillery", "122mm", "122 mm", "152mm", "152 mm", "d-30", "msta", "akatsiya"),
            calibre_min_mm=100,
        ),
        EquipmentClass(
            "artillery_under_100mm",
            "Artillery under 100 mm calibre",
            ("light artillery", "anti-tank gun", "85mm", "85 mm", "rapira"),
            calibre_max_mm=100,
        ),
        EquipmentClass(
            "mortar",
            "Mortar",
            ("mortar", "mortars", "mortar shell", "mortar shells", "mortar fire"),
        ),
        EquipmentClass(
            "mortar_up_to_120mm",
            "Mortar up to 120 mm calibre",
            ("mortar", "mortars", "82mm", "82 mm", "120mm mortar", "120 mm mortar"),
            calibre_max_mm=120,
        ),
        EquipmentClass(
            "mlrs",
            "Multiple launch rocket system",
            (
                "multiple rocket launcher",
                "multiple launch rocket system",
                "mlrs",
                "rocket launcher",
                "rocket launchers",
                "grad",
                "bm-21",
                "rocket",
                "rockets",
            ),
        ),
        EquipmentClass(
            "mlrs_heavy",
            "Heavy rocket and missile systems (Tornado-S, Uragan, Smerch, Tochka-U)",
            ("tornado-s", "tornado", "uragan", "smerch", "tochka", "tochka-u", "bm-27", "bm-30"),
        ),
        EquipmentClass(
            "air_defence",
            "Air defence / anti-aircraft missile system",
            (
                "air defence",
                "air defense",
                "anti-aircraft",
                "anti aircraft",
                "sam",
                "surface-to-air",
                "manpads",
            ),
        ),
        EquipmentClass(
            "aircraft",
            "Combat aircraft and helicopters",
            ("air strike", "airstrike", "air raid", "warplane", "helicopter", "barrel bomb"),
        ),
        EquipmentClass("drone", "Armed drone", ("drone", "uav", "armed drone")),
    )
}


@cache
def class_lookup() -> Mapping[str, str]:
    """Catalogue class id of each lower-cased class id and alias (an id wins over another
    class's alias, the first class listing an alias over later ones).

    >>> class_lookup()["t-72"], class_lookup()["mlrs"]
    ('tank', 'mlrs')
    """
    out: dict[str, str] = {}
    for cls in CATALOGUE.values():
        out[cls.id.lower()] = cls.id
        for alias in cls.aliases:
            out.setdefault(alias.lower(), cls.id)
    return out
