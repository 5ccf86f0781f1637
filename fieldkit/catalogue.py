"""The munition catalogue: reference data shipped in ``resources/`` plus the user's own.

The shipped list is read-only reference data; a user adds types as ``munition`` records,
which are journaled like any record and so travel in bundles.
"""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fieldkit.store import Store

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
CATALOGUE_FILE = "munitions.json"


def resources_dir() -> Path:
    """``resources/`` beside the package (a source checkout or an editable install)."""
    return RESOURCES


@lru_cache(maxsize=1)
def shipped() -> tuple[dict[str, Any], ...]:
    with open(resources_dir() / CATALOGUE_FILE, encoding="utf-8") as f:
        doc = json.load(f)
    return tuple({**m, "source": "catalogue"} for m in doc["munitions"])


def entries(store: Store | None = None) -> list[dict[str, Any]]:
    """Shipped entries and the store's own munition records (those win on a name clash)."""
    items = {m["designation"].casefold(): dict(m) for m in shipped()}
    if store is not None:
        for rec in store.find("munition"):
            entry = {
                k: rec.get(k)
                for k in (
                    "designation",
                    "category",
                    "calibre_mm",
                    "delivery",
                    "typical_submunitions",
                    "submunition_count",
                    "origin",
                    "aliases",
                    "notes",
                )
            }
            entry.update(source="user", id=rec["id"])
            items[rec["designation"].casefold()] = entry
    return sorted(items.values(), key=lambda m: m["designation"].casefold())


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).casefold()
    return "".join(c for c in text if c.isalnum())


def search(query: str, store: Store | None = None) -> list[dict[str, Any]]:
    """Entries whose designation or aliases contain the query, ignoring case, dashes, spaces.

    Designations that start with the query come first ("9n2" finds 9N210 and 9N235).
    """
    q = _fold(query)
    found = []
    for m in entries(store):
        names = [m["designation"], *(m.get("aliases") or [])]
        folded = [_fold(n) for n in names]
        if not q or any(q in n for n in folded):
            rank = 0 if any(n.startswith(q) for n in folded) else 1
            found.append((rank, m["designation"].casefold(), m))
    return [m for _r, _d, m in sorted(found, key=lambda t: (t[0], t[1]))]
