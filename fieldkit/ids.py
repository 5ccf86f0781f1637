"""Identifiers made on the device: time-ordered UUIDv7, so laptops never collide."""

from __future__ import annotations

import re
import uuid

import uuid6

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def new_id() -> str:
    return str(uuid6.uuid7())


def is_id(value: str) -> bool:
    return bool(_UUID_RE.match(value))


def normalise_id(value: str) -> str:
    """Accept any UUID spelling; return the lowercase hyphenated form."""
    return str(uuid.UUID(value))
