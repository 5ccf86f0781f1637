"""How each layer looks: one table of colours and symbols for the static map and the app.

Colours are RGB; symbols are names the two painters (Pillow here, QPainter in the app)
both draw: circle, square, triangle, diamond, ring, hazard (a warning triangle).
"""

from __future__ import annotations

SITE_SYMBOLS: dict[str | None, tuple[str, tuple[int, int, int], str]] = {
    # site_type: (symbol, fill, legend label)
    "strike": ("circle", (215, 25, 28), "strike"),
    "impact": ("circle", (253, 141, 60), "impact"),
    "crater": ("ring", (140, 81, 10), "crater"),
    "damaged_building": ("square", (117, 107, 177), "damaged building"),
    "vehicle": ("triangle", (49, 130, 189), "vehicle"),
    "other": ("diamond", (99, 99, 99), "other site"),
    None: ("diamond", (99, 99, 99), "site (kind not set)"),
}
CONFLICT = (231, 41, 138)  # a ring around a site whose record is in conflict

REMNANT_COLOURS: dict[str | None, tuple[int, int, int]] = {
    "submunition": (106, 61, 154),
    "crater": (166, 86, 40),
    "fragment": (82, 82, 82),
    "rocket_motor": (27, 120, 55),
    "cargo_section": (77, 146, 33),
    "fuze": (1, 133, 113),
    "other": (0, 0, 0),
    None: (0, 0, 0),
}
HAZARD_FILL = (255, 221, 0)
HAZARD_EDGE = (200, 0, 0)

PHOTO = (33, 102, 172)
PHOTO_CONE = (33, 102, 172, 70)
ACCURACY = (33, 102, 172, 40)
FOOTPRINT_FILL = (227, 74, 51, 55)
FOOTPRINT_EDGE = (200, 50, 30)
FOOTPRINT_AXIS = (120, 20, 10)
CLUSTER = {"sites": (215, 25, 28), "remnants": (106, 61, 154), "photos": PHOTO}

SITE_RADIUS = 7
REMNANT_RADIUS = 5
PHOTO_RADIUS = 3
CONE_RADIUS = 26
CONE_HALF_ANGLE = 25.0  # degrees each side of the image direction (a phone's lens is ~65°)
CLUSTER_BELOW_ZOOM = 14  # from this zoom on, every point is drawn on its own
CLUSTER_CELL = 44  # pixels


def site_symbol(site_type: str | None) -> tuple[str, tuple[int, int, int], str]:
    return SITE_SYMBOLS.get(site_type, SITE_SYMBOLS["other"])


def is_hazard(condition: str | None, hazard: str | None) -> bool:
    """A dud, or a remnant recorded as a hazard to civilians, is drawn as a hazard."""
    return condition == "dud" or hazard == "yes"
