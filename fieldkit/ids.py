"""Identifiers made on the device: time-ordered UUIDv7, so laptops never collide."""

from __future__ import annotations

import hashlib
import re
import uuid

import uuid6

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def new_id() -> str:
    return str(uuid6.uuid7())


def device_id_for_key(public_key_blob: bytes) -> str:
    """The device id of a signing key: a UUIDv8 (RFC 9562 §5.8) from SHA-256 of its
    SSH public key blob. A device's id is bound to its key: nobody else can sign a chain
    under it (docs/trust-model.md). Stores made before this have random UUIDv7 ids."""
    digest = bytearray(hashlib.sha256(b"fieldkit-device\0" + public_key_blob).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x80  # version 8
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 9562 variant
    return str(uuid.UUID(bytes=bytes(digest)))


def is_key_bound_id(value: str) -> bool:
    """Whether a device id is derived from its key (version 8), not a random UUIDv7."""
    return is_id(value) and value[14] == "8"


def is_id(value: str) -> bool:
    return bool(_UUID_RE.match(value))


def normalise_id(value: str) -> str:
    """Accept any UUID spelling; return the lowercase hyphenated form."""
    return str(uuid.UUID(value))
