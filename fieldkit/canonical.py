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


MAX_JSON_DEPTH = 64  # an event nests a few levels; a checkpoints file two
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(rb"[\[\]{}]")


class JSONTooDeep(ValueError):
    """JSON nested deeper than allowed; raised before it is parsed."""


def json_depth(data: bytes, stop_above: int | None = None) -> int:
    """How deeply arrays and objects nest in ``data`` (strings skipped), without parsing.

    Linear in the size, no recursion: the bound is checked before :func:`json.loads`,
    whose C parser recurses once per level and raises RecursionError (issue 9, case 9).
    """
    depth = deepest = 0
    for m in _BRACKET.finditer(_STRING.sub(b'""', data)):
        if m.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
            if stop_above is not None and deepest > stop_above:
                break
        else:
            depth -= 1
    return deepest


def loads_bounded(data: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` of UTF-8 ``data``, refusing nesting deeper than ``max_depth`` first.

    Raises :class:`JSONTooDeep` (a ValueError) for too deep, UnicodeDecodeError or
    ValueError for what json.loads refuses.
    """
    # Cheap for the common case: fewer openers than the bound cannot nest deeper.
    opened = data.count(b"[") + data.count(b"{")
    depth = opened if opened <= max_depth else json_depth(data, max_depth)
    if depth > max_depth:
        raise JSONTooDeep(f"JSON nested more than {max_depth} levels deep")
    return json.loads(data.decode("utf-8"))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_HEX64 = re.compile(r"[0-9a-f]{64}")


def is_sha256(value: object) -> bool:
    """A lowercase hex SHA-256, nothing before or after it (no trailing newline)."""
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None
