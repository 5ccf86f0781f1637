"""Canonical JSON: the exact bytes that are hashed and signed.

Sorted keys, no insignificant white space, UTF-8 (not ASCII escapes), no NaN or
infinity. A verifier never needs to re-serialise: an event's hash is the SHA-256 of
its stored line, so any tool that can read a line and hash it can check it.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any


def canonical_bytes(obj: Any) -> bytes:
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_HEX64 = re.compile(r"[0-9a-f]{64}")


def is_sha256(value: object) -> bool:
    """A lowercase hex SHA-256, nothing before or after it (no trailing newline)."""
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None
