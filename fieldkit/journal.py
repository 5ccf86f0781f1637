"""The journal: hash-chained events, and the projection of an entity's events into a record.

An event is a JSON object stored as its canonical bytes; its hash is the SHA-256 of those
bytes. Per device, events carry a sequence number from 1 and the hash of the device's
previous event, so a gap, a fork or an edited byte shows. Events of one entity form a
DAG through ``base`` (the entity's heads the author had seen), which is how concurrent
edits of the same field are told apart from later edits.

Everything here is pure: no SQLite, no files. :mod:`fieldkit.store` persists it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldkit.canonical import canonical_bytes, is_sha256, sha256_hex
from fieldkit.errors import ChainError
from fieldkit.ids import is_id

FORMAT_VERSION = 1
OPS = ("create", "update", "link", "retract", "resolve", "reinstate")
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
        body = json.loads(data.decode("utf-8"))
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
    if body["v"] != FORMAT_VERSION:
        raise ChainError(f"event format version {body['v']!r} is not supported")
    if body["op"] not in OPS:
        raise ChainError(f"event op {body['op']!r} is not one of {', '.join(OPS)}")
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


# --- chain verification ----------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    device: str
    seq: int | None
    problem: str  # gap, fork, edited, reordered, duplicate, malformed, checkpoint
    message: str

    def __str__(self) -> str:
        where = f"device {self.device}" + (f" seq {self.seq}" if self.seq is not None else "")
        return f"{where}: {self.message}"


def verify_chain(rows: Iterable[tuple[str, int, str, bytes]]) -> list[ChainProblem]:
    """Check stored events ``(device, seq, hash, data)`` ordered by device then seq.

    Collects every problem instead of stopping at the first: an edited byte (the hash no
    longer matches), a gap, a duplicate or reordered sequence, a broken link to the
    previous event, and an event whose body disagrees with where it is stored.
    """
    problems: list[ChainProblem] = []
    current: str | None = None
    expected_seq = 1
    prev_hash: str | None = None
    for device, seq, stored_hash, data in rows:
        if device != current:
            current, expected_seq, prev_hash = device, 1, None
        actual = sha256_hex(data)
        if actual != stored_hash:
            problems.append(
                ChainProblem(
                    device,
                    seq,
                    "edited",
                    f"content changed: stored hash {stored_hash[:12]}… "
                    f"but the bytes hash to {actual[:12]}…",
                )
            )
        try:
            event = parse_event(data)
        except ChainError as exc:
            problems.append(ChainProblem(device, seq, "malformed", str(exc)))
            expected_seq, prev_hash = seq + 1, stored_hash
            continue
        if event.device != device or event.seq != seq:
            problems.append(
                ChainProblem(
                    device, seq, "reordered", f"event says device {event.device} seq {event.seq}"
                )
            )
        if seq < expected_seq:
            problems.append(
                ChainProblem(
                    device, seq, "duplicate", f"sequence {seq} repeats (expected {expected_seq})"
                )
            )
        elif seq > expected_seq:
            problems.append(
                ChainProblem(device, seq, "gap", f"events {expected_seq}..{seq - 1} are missing")
            )
        elif event.prev != prev_hash:
            problems.append(
                ChainProblem(
                    device,
                    seq,
                    "broken-link",
                    "does not follow the previous event "
                    f"(prev {str(event.prev)[:12]}…, previous event "
                    f"{str(prev_hash)[:12]}…)",
                )
            )
        expected_seq, prev_hash = max(expected_seq, seq + 1), stored_hash
    return problems


CHECKPOINT_KEYS = frozenset({"device", "seq", "head", "hlc", "signature"})


def checkpoint_signer(cp: Any) -> str:
    """The fingerprint of the key that signed a checkpoint (a dict of CHECKPOINT_KEYS).

    Raises :class:`ChainError` if it is malformed, and the SSHSIG module's
    :class:`~fieldkit.errors.SignatureError` if its signature does not verify. Whether
    that key is the device's is the caller's question: a store and a bundle know the
    device keys from different places.
    """
    from fieldkit import sshsig
    from fieldkit.keys import CHECKPOINT_NAMESPACE

    if not isinstance(cp, Mapping) or set(cp) != CHECKPOINT_KEYS:
        raise ChainError("checkpoint is malformed")
    device, seq, head, hlc, sig = (cp[k] for k in ("device", "seq", "head", "hlc", "signature"))
    if (
        not isinstance(device, str)
        or not isinstance(seq, int)
        or isinstance(seq, bool)
        or not is_sha256(head)
        or not isinstance(hlc, str)
        or not isinstance(sig, str)
    ):
        raise ChainError("checkpoint is malformed")
    payload = checkpoint_payload(device, seq, head, hlc)
    return sshsig.fingerprint(sshsig.verify(sig, payload, CHECKPOINT_NAMESPACE))


def checkpoint_payload(device: str, seq: int, head: str, hlc: str) -> bytes:
    """The bytes a device signs to vouch for its chain up to ``seq``."""
    return canonical_bytes(
        {
            "type": "fieldkit-checkpoint",
            "v": FORMAT_VERSION,
            "device": device,
            "seq": seq,
            "head": head,
            "hlc": hlc,
        }
    )


# --- projection --------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    hlc: str
    event: str
    value: Any
    device: str


@dataclass
class EntityState:
    """An entity's record as its events make it, with conflicts and heads."""

    kind: str
    id: str
    values: dict[str, Any] = field(default_factory=dict)
    candidates: dict[str, list[Candidate]] = field(default_factory=dict)
    retracted: bool = False
    retract_reason: str | None = None
    created_hlc: str | None = None
    updated_hlc: str | None = None
    created_by: str | None = None
    heads: set[str] = field(default_factory=set)
    events: int = 0
    _ancestors: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    @property
    def conflicts(self) -> dict[str, list[Candidate]]:
        return {f: c for f, c in self.candidates.items() if len(c) > 1}

    def apply(self, event: Event) -> None:
        """Apply one event; events must come in HLC order (causal order follows)."""
        ancestors: set[str] = set()
        for b in event.base:
            ancestors.add(b)
            ancestors |= self._ancestors.get(b, frozenset())
        self._ancestors[event.hash] = frozenset(ancestors)
        self.heads = (self.heads - ancestors) | {event.hash}
        self.events += 1
        self.updated_hlc = event.hlc
        if self.created_hlc is None:
            self.created_hlc = event.hlc
            self.created_by = event.device
        if event.op == "retract":
            self.retracted = True
            self.retract_reason = event.body.get("reason")
            return
        if event.op == "reinstate":  # a retraction withdrawn, with its own reason
            self.retracted = False
            self.retract_reason = None
            return
        for name, value in event.fields.items():
            kept = [c for c in self.candidates.get(name, []) if c.event not in ancestors]
            kept.append(Candidate(event.hlc, event.hash, value, event.device))
            kept.sort(key=lambda c: c.hlc)
            self.candidates[name] = kept
            # Deterministic shown value while in conflict: the latest by HLC.
            self.values[name] = kept[-1].value


def project(events: Iterable[Event]) -> EntityState | None:
    """The state of one entity from all its events (any order in; HLC order applied)."""
    ordered = sorted(events, key=lambda e: e.hlc)
    if not ordered:
        return None
    first = ordered[0]
    state = EntityState(kind=first.kind, id=first.entity)
    for event in ordered:
        state.apply(event)
    return state
