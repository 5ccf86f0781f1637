"""Merging other devices' events: chain continuity per device, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldkit import clock
from fieldkit.errors import StoreError
from fieldkit.journal import ChainWalker, Event
from fieldkit.problems import Problem
from fieldkit.store.chain import StoreChain
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

    def to_json(self) -> dict[str, Any]:
        return {
            "new_events": self.new_events,
            "already_present": self.already_present,
            "new_records": self.new_records,
            "changed_records": self.changed_records,
            "conflicts": self.conflicts,
            "problems": [p.to_json() for p in self.problems],
            "devices": self.devices,
        }


class StoreMerge(StoreWrites):
    def import_events(
        self,
        events: Iterable[Event],
        *,
        checkpoints: Iterable[Mapping[str, Any]] = (),
        extra: Callable[[MergeReport], None] | None = None,
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
        """
        if isinstance(events, Sequence):
            events = sorted(events, key=lambda e: (e.device, e.seq))
        report = MergeReport()
        with self.transaction():
            merge = _Merge(self, report)
            for event in events:
                merge.add(event)
            merge.finish()
            self._save_clock(merge.max_seen)
            touched = sorted(merge.touched)
            for chunk in chunks(touched, _REPROJECT_BATCH):
                # Batches: the projected states (record values) of one chunk at a time.
                for state in self._reproject(chunk):
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
            report.problems.extend(self.add_checkpoints(checkpoints))
            if extra is not None:
                extra(report)
        return report


_INSERT_BATCH = 2000  # events inserted per executemany
_REPROJECT_BATCH = 500  # records reprojected (their states held) at a time


class _Merge:
    """The per-event part of :meth:`Store.import_events`, fed one event at a time.

    Holds one device's chain position and a batch of rows to insert; what it keeps for
    the whole merge is the touched record ids (and whether each existed before).
    """

    def __init__(self, store: StoreChain, report: MergeReport) -> None:
        self.store = store
        self.conn = store.conn
        self.report = report
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
        if self.first_new is None:
            self.first_new = seq
        report.new_events += 1
        self.max_seen = clock.observe(self.max_seen, clock.HLC.parse(event.hlc))
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
