"""The projection: the tables people query, made from the journal and rebuilt from it.

Every change to an entity reprojects it (all its events, in HLC order, through
:func:`fieldkit.journal.project`) in the same transaction that appended the event.

Not every event in the journal is projected (docs/trust-model.md):

* an event whose values fail the field table's validation (types, ranges, required
  fields: the same :func:`fieldkit.records.validate` as local input) or whose kind is
  not its record's is *invalid*: kept in the journal, listed in ``invalid_events``;
  fields this version does not know are ignored, not refused (a newer FieldKit's);
* an event in ``held_back`` (its clock ran too far ahead of this store's, or its key
  was revoked before it was signed) is kept and not projected.

A change to a record by someone other than its creator (and not this store's own
person) is projected and listed in ``reviews`` until the creator or this store's person
has seen it (:class:`fieldkit.journal.Review`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from fieldkit import clock, journal, records
from fieldkit.errors import ValidationError
from fieldkit.journal import Event
from fieldkit.store.core import StoreBase
from fieldkit.store.schema import META_COLUMNS, chunks, projection_signature, to_sql


def event_problem(event: Event, entity_kind: str) -> tuple[str, str] | None:
    """Why an event cannot be projected, as (field, reason), or None if it can.

    Validation is the field table's, as for local input; an unknown kind (a newer
    FieldKit's) is not projected anyway, so it is not judged here.
    """
    k = records.KINDS.get(event.kind)
    if k is None:
        return None
    if event.kind != entity_kind:
        return ("kind", f"a {event.kind} event for a {entity_kind} record")
    known = {n: v for n, v in event.fields.items() if n in k.by_name}
    if event.op in ("retract", "reinstate"):
        return None
    try:
        records.validate(k, known, partial=event.op not in ("create", "link"))
    except ValidationError as exc:
        return (exc.fields[0] if exc.fields else "", str(exc))
    return None


class StoreProjection(StoreBase):
    def _project(self, events: list[Event], held: set[str]) -> journal.EntityState | None:
        """One entity's state from its events, without held-back and invalid ones."""
        if not events:
            return None
        entity_kind = min(events, key=lambda e: (e.hlc, e.hash)).kind
        usable: list[Event] = []
        invalid: list[tuple[Event, str, str]] = []
        for event in events:
            if event.hash in held:
                continue
            problem = event_problem(event, entity_kind)
            if problem is None:
                usable.append(event)
            else:
                invalid.append((event, *problem))
        state = journal.project(usable, owners=frozenset({self.fingerprint}))
        if state is None:  # nothing projectable: an invalid first event, say
            state = journal.EntityState(kind=entity_kind, id=events[0].entity)
            state.retracted = True
            state.retract_reason = "no valid event"
        state.invalid = invalid
        return state

    def _held_back(self, entities: Sequence[str] | None = None) -> set[str]:
        if entities is None:
            return {r[0] for r in self.conn.execute("SELECT hash FROM held_back")}
        out: set[str] = set()
        for chunk in chunks(list(entities), 500):
            out.update(
                r[0]
                for r in self.conn.execute(
                    f"SELECT hash FROM held_back WHERE entity IN ({','.join('?' for _ in chunk)})",
                    list(chunk),
                )
            )
        return out

    def events_of(self, entity: str) -> list[Event]:
        rows = self.conn.execute(
            "SELECT hash, data FROM events WHERE entity = ? ORDER BY hlc", (entity,)
        ).fetchall()
        return [Event(h, bytes(d), json.loads(d)) for h, d in rows]

    def event_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM events").fetchone()[0])

    def _ensure_projection(self) -> None:
        signature = projection_signature()
        sites = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sites'"
        ).fetchone()
        if self._meta("projection") != signature or sites is None:
            self.rebuild_projection()

    def _create_projection_tables(self) -> None:
        for kind in records.KINDS.values():
            columns: dict[str, Any] = {"id": str}
            for f in kind.fields:
                columns[f.name] = f.sql_type
            columns.update(META_COLUMNS)
            self.db.table(kind.plural).create(columns, pk="id", replace=True)
            if kind.parent:
                self.db.table(kind.plural).create_index([kind.parent], if_not_exists=True)
        self.db.table("links").create_index(["target_id"], if_not_exists=True)
        self.db.table("links").create_index(["media_id"], if_not_exists=True)
        self.db.table("media").create_index(["sha256"], if_not_exists=True)
        self.db.table("conflicts").create(
            {"entity": str, "kind": str, "field": str, "candidates": str},
            pk=("entity", "field"),
            replace=True,
        )
        self.db.table("reviews").create(
            {
                "event": str,
                "entity": str,
                "kind": str,
                "op": str,
                "author": str,
                "creator": str,
                "hlc": str,
                "reason": str,
            },
            pk="event",
            replace=True,
        )
        self.db.table("reviews").create_index(["entity"], if_not_exists=True)
        self.db.table("invalid_events").create(
            {
                "event": str,
                "entity": str,
                "kind": str,
                "device": str,
                "seq": int,
                "field": str,
                "reason": str,
            },
            pk="event",
            replace=True,
        )
        self.db.table("invalid_events").create_index(["entity"], if_not_exists=True)

    def rebuild_projection(self, *, progress: Callable[[int, int, str], None] | None = None) -> int:
        """Drop the tables and replay the whole journal; returns the number of events."""
        total = self.event_count()
        with self.transaction():
            self._create_projection_tables()
            held = self._held_back()
            batch: dict[str, list[journal.EntityState]] = defaultdict(list)
            current: str | None = None
            events: list[Event] = []
            rows = self.conn.execute("SELECT hash, data, entity FROM events ORDER BY entity, hlc")
            for done, (h, data, entity) in enumerate(rows, start=1):
                if entity != current and events:
                    state = self._project(events, held)
                    if state is not None:
                        batch[state.kind].append(state)
                    events = []
                current = entity
                events.append(Event(h, bytes(data), json.loads(data)))
                if progress is not None and done % 5000 == 0:
                    progress(done, total, "rebuilding")
            if events:
                state = self._project(events, held)
                if state is not None:
                    batch[state.kind].append(state)
            for states in batch.values():
                self._write_states(states)
            self._set_meta("projection", projection_signature())
        if progress is not None:
            progress(total, total, "rebuilt")
        return total

    def _reproject(self, entities: Iterable[str]) -> list[journal.EntityState]:
        states = []
        wanted = sorted(set(entities))
        held = self._held_back(wanted)
        for entity in wanted:
            state = self._project(self.events_of(entity), held)
            if state is not None:
                states.append(state)
        grouped: dict[str, list[journal.EntityState]] = defaultdict(list)
        for s in states:
            grouped[s.kind].append(s)
        for group in grouped.values():
            self._write_states(group)
        return states

    def _write_states(self, states: Sequence[journal.EntityState]) -> None:
        if not states:
            return
        kind = records.KINDS.get(states[0].kind)
        if kind is None:
            return  # a kind from a newer version: kept in the journal, not projected
        names = [f.name for f in kind.fields]
        columns = ["id", *names, *META_COLUMNS]
        sql = (
            f"INSERT OR REPLACE INTO [{kind.plural}] ("
            + ", ".join(f"[{c}]" for c in columns)
            + ") VALUES ("
            + ", ".join("?" for _ in columns)
            + ")"
        )
        rows = []
        conflict_rows = []
        ids = []
        for s in states:
            ids.append(s.id)
            values = [to_sql(s.values.get(n)) for n in names]
            conflicts = s.conflicts
            rows.append(
                [
                    s.id,
                    *values,
                    _hlc_time(s.created_hlc),
                    _hlc_time(s.updated_hlc),
                    s.created_by,
                    int(s.retracted),
                    s.retract_reason,
                    int(bool(conflicts)),
                    json.dumps(sorted(s.heads)),
                    s.events,
                    s.updated_hlc,
                ]
            )
            for fname, cands in conflicts.items():
                conflict_rows.append(
                    (
                        s.id,
                        s.kind,
                        fname,
                        json.dumps(
                            [
                                {
                                    "value": c.value,
                                    "event": c.event,
                                    "device": c.device,
                                    "hlc": c.hlc,
                                }
                                for c in cands
                            ],
                            ensure_ascii=False,
                        ),
                    )
                )
        self.conn.executemany(sql, rows)
        for chunk in chunks(ids, 500):
            marks = ",".join("?" for _ in chunk)
            for table in ("conflicts", "reviews", "invalid_events"):
                self.conn.execute(f"DELETE FROM {table} WHERE entity IN ({marks})", chunk)
        review_rows = [
            (r.event, s.id, s.kind, r.op, r.author, r.creator, r.hlc, r.reason)
            for s in states
            for r in s.reviews.values()
        ]
        if review_rows:
            self.conn.executemany(
                "INSERT OR REPLACE INTO reviews (event, entity, kind, op, author, creator, hlc,"
                " reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                review_rows,
            )
        invalid_rows = [
            (e.hash, s.id, e.kind, e.device, e.seq, fname, reason)
            for s in states
            for e, fname, reason in s.invalid
        ]
        if invalid_rows:
            self.conn.executemany(
                "INSERT OR REPLACE INTO invalid_events (event, entity, kind, device, seq, field,"
                " reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                invalid_rows,
            )
        if conflict_rows:
            self.conn.executemany(
                "INSERT INTO conflicts (entity, kind, field, candidates) VALUES (?, ?, ?, ?)",
                conflict_rows,
            )


def _hlc_time(hlc: str | None) -> str | None:
    """The wall-clock part of an HLC as ISO 8601; any value the format allows works."""
    if not hlc:
        return None
    return clock.iso_of_ms(int(hlc.split("-", 1)[0]))
