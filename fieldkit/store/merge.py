"""Merging other devices' events: chain continuity and authorship per device, one transaction.

Continuity (seq + 1, prev = hash of the previous event) is checked for every merge
(:class:`fieldkit.journal.ChainWalker`). A bundle import also gives a
:class:`~fieldkit.store.proof.ChainProof`; then every new event must be proven by its own
device's key (the rules: :mod:`fieldkit.store.proof`).

Events kept in the journal but not projected (``held_back``): a clock more than
:data:`fieldkit.clock.MAX_AHEAD_MS` ahead of this computer's, or signed by a revoked key
from its revocation's time on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldkit import clock, journal, records
from fieldkit.crypto import revocation
from fieldkit.errors import StoreError
from fieldkit.journal import ChainWalker, Event
from fieldkit.problems import Problem
from fieldkit.store.proof import ChainProof, DeviceKey, ProvenWalker, prove_device
from fieldkit.store.schema import chunks, now_iso
from fieldkit.store.writes import StoreWrites


@dataclass
class MergeReport:
    """What an import of events changed."""

    new_events: int = 0
    already_present: int = 0
    new_records: dict[str, list[str]] = field(default_factory=dict)
    changed_records: dict[str, list[str]] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    devices: dict[str, list[int]] = field(default_factory=dict)  # device -> [first, last] new

    # Kept in the journal, not projected: {device, seq, event, entity, cause, reason}.
    held_back: list[dict[str, Any]] = field(default_factory=list)
    # New events whose values fail validation: {device, seq, event, id, kind, field, reason}.
    invalid: list[dict[str, Any]] = field(default_factory=list)
    # New changes to records by someone other than their creator: {id, kind, op, author, ...}.
    reviews: list[dict[str, Any]] = field(default_factory=list)
    # Records that name a record not (yet) held: {id, kind, field, waiting_for}.
    waiting: list[dict[str, Any]] = field(default_factory=list)
    # Chain keys of the devices merged: device -> fingerprint (proof given only).
    chain_keys: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "new_events": self.new_events,
            "already_present": self.already_present,
            "new_records": self.new_records,
            "changed_records": self.changed_records,
            "conflicts": self.conflicts,
            "problems": [p.to_json() for p in self.problems],
            "devices": self.devices,
            "held_back": self.held_back,
            "invalid": self.invalid,
            "reviews": self.reviews,
            "waiting": self.waiting,
            "chain_keys": self.chain_keys,
        }


class StoreMerge(StoreWrites):
    def merge_events(
        self,
        events: Iterable[Event],
        *,
        checkpoints: Iterable[Mapping[str, Any]] = (),
        extra: Callable[[MergeReport], None] | None = None,
        proof: ChainProof | None = None,
        now_ms: int | None = None,
    ) -> MergeReport:
        """Merge other devices' events in one transaction; idempotent, order-independent.

        Each device chain must continue exactly where this store's copy ends: a fork
        (same sequence, other hash), a gap, or new events claiming to be this device's
        own are reported and that device's remaining events are refused. ``extra`` runs
        inside the same transaction (the bundle importer records custody there).

        ``events`` may be a sequence in any order (it is sorted here), or any other
        iterable yielding each device's events together in ascending sequence order (as
        :meth:`iter_events` and a bundle's journal files give them): such a stream is
        consumed as it comes, inserted and reprojected in batches, so memory does not grow
        with the number of events (only with the ids of the records they touch). A stream
        out of that order raises :class:`StoreError`, and nothing is merged; so does any
        exception the stream raises (a bundle changed while being read).

        With ``proof`` (a bundle import), authorship is proven as the module text says;
        an event that fails is refused with a problem naming its device, seq and reason.
        ``now_ms`` is this computer's clock for the clock bound (tests set it).
        """
        if isinstance(events, Sequence):
            events = sorted(events, key=lambda e: (e.device, e.seq))
        report = MergeReport()
        with self.transaction():
            merge = _Merge(self, report, proof, now_ms)
            for event in events:
                merge.add(event)
            merge.finish()
            self._save_clock(merge.max_seen)
            touched = set(merge.touched)
            if merge.revocations:  # projected first: they decide what is held back
                self._reproject(sorted(merge.revocations))
            touched |= self.apply_revocations(report)
            exists: dict[str, bool] = {}
            for chunk in chunks(sorted(touched), _REPROJECT_BATCH):
                # Batches: the projected states (record values) of one chunk at a time.
                for state in self._reproject(chunk):
                    self._report_state(state, merge.new_hashes, report, exists)
                    new = not merge.before.get(state.id)
                    bucket = report.new_records if new else report.changed_records
                    bucket.setdefault(state.kind, []).append(state.id)
                    for fname, cands in state.conflicts.items():
                        report.conflicts.append(
                            {
                                "id": state.id,
                                "kind": state.kind,
                                "field": fname,
                                "values": [c.value for c in cands],
                            }
                        )
            for bucket in (report.new_records, report.changed_records):
                for ids in bucket.values():
                    ids.sort()
            report.conflicts.sort(key=lambda c: (c["id"], c["field"]))
            for items in (report.invalid, report.reviews, report.waiting):
                items.sort(key=lambda x: (x["id"], str(x.get("seq") or x.get("field"))))
            report.problems.extend(self.add_checkpoints(checkpoints))
            if extra is not None:
                extra(report)
        return report

    def _report_state(
        self,
        state: journal.EntityState,
        new_hashes: set[str],
        report: MergeReport,
        exists: dict[str, bool],
    ) -> None:
        for event, fname, reason in state.invalid:
            if event.hash in new_hashes:
                report.invalid.append(
                    {
                        "device": event.device,
                        "seq": event.seq,
                        "event": event.hash,
                        "id": state.id,
                        "kind": event.kind,
                        "field": fname,
                        "reason": reason,
                    }
                )
        for review in state.reviews.values():
            if review.event in new_hashes:
                report.reviews.append(
                    {
                        "id": state.id,
                        "kind": state.kind,
                        "op": review.op,
                        "event": review.event,
                        "author": review.author,
                        "creator": review.creator,
                        "reason": review.reason,
                    }
                )
        k = records.KINDS.get(state.kind)
        if k is None or state.retracted:
            return
        for f in k.fields:
            target = state.values.get(f.name)
            if f.type != "ref" or not isinstance(target, str):
                continue
            if target not in exists:
                exists[target] = (
                    self.conn.execute(
                        "SELECT 1 FROM events WHERE entity = ? LIMIT 1", (target,)
                    ).fetchone()
                    is not None
                )
            if not exists[target]:
                report.waiting.append(
                    {"id": state.id, "kind": state.kind, "field": f.name, "waiting_for": target}
                )

    def apply_revocations(self, report: MergeReport | None = None) -> set[str]:
        """Hold back what revoked keys signed from their revocation's time on.

        Returns the records whose events were newly held back (to reproject). Runs after
        every merge and after a local revocation (:func:`fieldkit.crypto.revocation.revoke`).
        """
        rows = self.find("revocation", include_retracted=False)
        touched: set[str] = set()
        for rev in revocation.in_force(rows, self.fingerprint).values():
            found = self.conn.execute(
                "SELECT hash, device, seq, entity FROM events WHERE hlc >= ? "
                "AND json_extract(CAST(data AS TEXT), '$.author') = ? "
                "AND hash NOT IN (SELECT hash FROM held_back)",
                (f"{rev.from_ms:015d}", rev.fingerprint),
            ).fetchall()
            reason = (
                f"signed by {rev.fingerprint}, revoked from "
                f"{clock.iso_of_ms(rev.from_ms)} ({rev.reason})"
            )
            for h, device, seq, entity in found:
                self._hold_back(h, device, seq, entity, "revoked", reason, report)
                touched.add(entity)
        return touched

    def _hold_back(
        self,
        event_hash: str,
        device: str,
        seq: int,
        entity: str,
        cause: str,
        reason: str,
        report: MergeReport | None,
    ) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO held_back (hash, device, seq, entity, cause, reason, held_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (event_hash, device, seq, entity, cause, reason, now_iso()),
        )
        if report is not None:
            report.held_back.append(
                {
                    "device": device,
                    "seq": seq,
                    "event": event_hash,
                    "id": entity,
                    "cause": cause,
                    "reason": reason,
                }
            )

    def held_back(self) -> list[dict[str, Any]]:
        """Every event kept in the journal but not projected, with its cause and reason."""
        cursor = self.conn.execute(
            "SELECT hash, device, seq, entity, cause, reason, held_at FROM held_back "
            "ORDER BY device, seq"
        )
        names = ("event", "device", "seq", "id", "cause", "reason", "held_at")
        return [dict(zip(names, row, strict=True)) for row in cursor]


_INSERT_BATCH = 2000  # events inserted per executemany
_REPROJECT_BATCH = 500  # records reprojected (their states held) at a time


class _Merge:
    """The per-event part of :meth:`Store.merge_events`, fed one event at a time.

    Holds one device's chain position and a batch of rows to insert; what it keeps for
    the whole merge is the touched record ids (and whether each existed before).
    """

    def __init__(
        self,
        store: StoreMerge,
        report: MergeReport,
        proof: ChainProof | None = None,
        now_ms: int | None = None,
    ) -> None:
        self.store = store
        self.conn = store.conn
        self.report = report
        self.proof = proof
        self.now_ms = clock.wall_ms() if now_ms is None else now_ms
        self.key = DeviceKey()
        self.new_hashes: set[str] = set()
        self.heads = store.chain_heads()
        self.max_seen = store._clock()
        self.touched: set[str] = set()
        self.before: dict[str, bool] = {}  # entity -> it had events before this merge
        self.pending: list[Event] = []
        self.done_devices: set[str] = set()
        self.device: str | None = None
        self.stream_seq = 0
        self.refused = False
        self.walker = ChainWalker("")
        self.first_new: int | None = None
        self.held: list[tuple[Event, str]] = []
        self.revocations: set[str] = set()

    def add(self, event: Event) -> None:
        device, seq = event.device, event.seq
        if device != self.device:
            self._end_device()
            if device in self.done_devices:
                raise StoreError(
                    f"events of device {device} come in two runs; a stream of events must "
                    "give each device's events together, in sequence order"
                )
            self.device, self.stream_seq, self.refused = device, seq, False
            self.walker = ChainWalker(device, after=self.heads.get(device, (0, None)))
            self.first_new = None
            if self.proof is not None and device != self.store.device_id:
                self.key = prove_device(self.store, self.proof, self.report, device)
                self.walker = ProvenWalker(
                    device, self.key, after=self.heads.get(device, (0, None))
                )
        elif seq < self.stream_seq:
            raise StoreError(
                f"device {device} seq {seq} comes after seq {self.stream_seq}; a stream of "
                "events must give each device's events in sequence order"
            )
        self.stream_seq = seq
        if self.refused:
            return
        report = self.report
        if seq <= self.walker.last_seq:
            # Held already, or (a repeat within this merge) perhaps still in the batch.
            self._flush()
            existing = self.conn.execute(
                "SELECT hash FROM events WHERE device = ? AND seq = ?", (device, seq)
            ).fetchone()
        else:
            existing = None  # nothing is held above a chain's head
        if existing is not None:
            if existing[0] == event.hash:
                report.already_present += 1
                return
            self._refuse(
                seq,
                "fork",
                f"fork: device {device} seq {seq} differs from the event "
                f"already held ({existing[0][:12]}… vs {event.hash[:12]}…)",
            )
            return
        if device == self.store.device_id:
            self._refuse(
                seq,
                "own-device",
                f"device {device} is this store's own, but seq {seq} was never written here",
            )
            return
        problems = self.walker.step(event)
        if problems:
            first = problems[0]
            self._refuse(seq, first.code, f"device {device}: {first.message}")
            return
        self.pending.append(event)
        self.touched.add(event.entity)
        self.new_hashes.add(event.hash)
        if event.kind == "revocation":
            self.revocations.add(event.entity)
        if self.first_new is None:
            self.first_new = seq
        report.new_events += 1
        stamp = clock.HLC.parse(event.hlc)
        if clock.too_far_ahead(stamp, self.now_ms):
            self.held.append(
                (
                    event,
                    f"its clock ({clock.iso_of_ms(stamp.wall_ms)}) is more than 24 h ahead "
                    f"of this computer's ({clock.iso_of_ms(self.now_ms)})",
                )
            )
        else:
            self.max_seen = clock.observe(self.max_seen, stamp, self.now_ms)
        if len(self.pending) >= _INSERT_BATCH:
            self._flush()

    def _refuse(self, seq: int, code: str, message: str) -> None:
        """Refuse this event and the rest of its device's events in this merge."""
        self.report.problems.append(
            Problem(
                code,
                f"{message}; the rest of this device's events were not merged",
                device=self.device,
                seq=seq,
            )
        )
        self.refused = True

    def _end_device(self) -> None:
        if self.device is None:
            return
        self.done_devices.add(self.device)
        if self.first_new is not None:
            self.report.devices[self.device] = [self.first_new, self.walker.last_seq]

    def finish(self) -> None:
        self._end_device()
        self.device = None
        self._flush()
        for event, reason in self.held:
            self.store._hold_back(
                event.hash, event.device, event.seq, event.entity, "clock", reason, self.report
            )

    def _flush(self) -> None:
        if not self.pending:
            return
        # Whether each record existed before this merge: asked before its first
        # events here are inserted (a record's first event here is always in a batch).
        fresh = sorted({e.entity for e in self.pending} - self.before.keys())
        for chunk in chunks(fresh, 500):
            rows = self.conn.execute(
                "SELECT DISTINCT entity FROM events WHERE entity IN "
                f"({','.join('?' for _ in chunk)})",
                list(chunk),
            ).fetchall()
            held = {r[0] for r in rows}
            for entity in chunk:
                self.before[entity] = entity in held
        now = now_iso()
        self.conn.executemany(
            "INSERT INTO events (hash, device, seq, hlc, kind, entity, op, data, received_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (e.hash, e.device, e.seq, e.hlc, e.kind, e.entity, e.op, e.data, now)
                for e in self.pending
            ],
        )
        self.pending = []
