"""Journal events: the canonical bytes of one change, their hash, and parsing them.

An event is a JSON object stored as its canonical bytes; its hash is the SHA-256 of those
bytes (format: docs/bundle-format.md, "Journal"). Pure: no SQLite, no files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fieldkit.canonical import canonical_bytes, is_sha256, loads_bounded, sha256_hex
from fieldkit.errors import ChainError
from fieldkit.ids import is_id

FORMAT_VERSION = 1  # events of the five version-1 ops; checkpoints (their payload's "v")
#: Version 2 adds the op ``reinstate`` (a retracted record brought back). An event with
#: it says ``"v": 2``; every other event is still written as version 1, so a bundle
#: without reinstatements reads in a FieldKit that knows only version 1.
REINSTATE_VERSION = 2
EVENT_VERSIONS = (1, 2)
OPS_V1 = ("create", "update", "link", "retract", "resolve")
OPS = (*OPS_V1, "reinstate")
MAX_EVENT_BYTES = 1_000_000  # an event is a record's fields, never a file

_EVENT_KEYS = {
    "v",
    "id",
    "device",
    "seq",
    "prev",
    "hlc",
    "at",
    "author",
    "op",
    "kind",
    "entity",
    "fields",
    "base",
    "reason",
}
_KIND_RE = re.compile(r"^[a-z][a-z_]{0,31}$")
_HLC_RE = re.compile(r"^\d{15}-\d{6}-[0-9a-f-]{36}$")
_REQUIRED = {"v", "id", "device", "seq", "prev", "hlc", "at", "author", "op", "kind", "entity"}


@dataclass(frozen=True)
class Event:
    """One stored event: its canonical bytes, their hash, and the parsed body."""

    hash: str
    data: bytes
    body: Mapping[str, Any]

    @property
    def device(self) -> str:
        return str(self.body["device"])

    @property
    def seq(self) -> int:
        return int(self.body["seq"])

    @property
    def prev(self) -> str | None:
        return self.body["prev"]

    @property
    def hlc(self) -> str:
        return str(self.body["hlc"])

    @property
    def op(self) -> str:
        return str(self.body["op"])

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @property
    def entity(self) -> str:
        return str(self.body["entity"])

    @property
    def fields(self) -> Mapping[str, Any]:
        return self.body.get("fields") or {}

    @property
    def base(self) -> Sequence[str]:
        return self.body.get("base") or ()


def make_event(body: Mapping[str, Any]) -> Event:
    data = canonical_bytes(dict(body))
    return Event(sha256_hex(data), data, body)


def parse_event(data: bytes) -> Event:
    """An event from stored or received bytes; :class:`ChainError` if it is not one.

    The bytes must already be canonical: a verifier hashes what it reads and never
    re-serialises, so two spellings of one event must not both be accepted.
    """
    if len(data) > MAX_EVENT_BYTES:
        raise ChainError(f"event of {len(data)} bytes is over the {MAX_EVENT_BYTES} limit")
    try:
        body = loads_bounded(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ChainError(f"event is not UTF-8 JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ChainError("event is not a JSON object")
    missing = _REQUIRED - set(body)
    if missing:
        raise ChainError(f"event lacks {', '.join(sorted(missing))}")
    extra = set(body) - _EVENT_KEYS
    if extra:
        raise ChainError(f"event has unknown keys {', '.join(sorted(extra))}")
    if body["v"] not in EVENT_VERSIONS or isinstance(body["v"], bool):
        raise ChainError(f"event format version {body['v']!r} is not supported")
    ops = OPS_V1 if body["v"] == 1 else OPS
    if body["op"] not in ops:
        raise ChainError(f"event op {body['op']!r} is not one of {', '.join(ops)}")
    if not isinstance(body["seq"], int) or isinstance(body["seq"], bool) or body["seq"] < 1:
        raise ChainError(f"event seq {body['seq']!r} is not a positive integer")
    for key in ("device", "hlc", "kind", "entity", "author", "id", "at"):
        if not isinstance(body[key], str) or not body[key]:
            raise ChainError(f"event {key} is not text")
    # Ids end up in file names (data/journal/<device>.jsonl) and SQL: only UUIDs pass.
    for key in ("device", "entity", "id"):
        if not is_id(body[key]):
            raise ChainError(f"event {key} {body[key][:40]!r} is not a UUID")
    if not _KIND_RE.match(body["kind"]):
        raise ChainError(f"event kind {body['kind'][:40]!r} is not a record kind name")
    if not _HLC_RE.match(body["hlc"]) or not body["hlc"].endswith(body["device"]):
        raise ChainError(f"event hlc {body['hlc'][:60]!r} is not a clock of its device")
    if body["prev"] is not None and not is_sha256(body["prev"]):
        raise ChainError("event prev is not a SHA-256")
    if not isinstance(body.get("fields", {}), dict):
        raise ChainError("event fields is not an object")
    base = body.get("base", [])
    if not isinstance(base, list) or not all(is_sha256(b) for b in base):
        raise ChainError("event base is not a list of SHA-256 hashes")
    if canonical_bytes(body) != data:
        raise ChainError("event bytes are not in canonical form")
    return Event(sha256_hex(data), data, body)
