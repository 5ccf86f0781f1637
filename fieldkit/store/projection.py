"""The projection: the tables people query, made from the journal and rebuilt from it.

Every change to an entity reprojects it (all its events, in HLC order, through
:func:`fieldkit.journal.project`) in the same transaction that appended the event.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from fieldkit import journal, records
from fieldkit.journal import Event
from fieldkit.store.core import StoreBase
from fieldkit.store.schema import META_COLUMNS, chunks, projection_signature, to_sql


class StoreProjection(StoreBase):
    def events_of(self, entity: str) -> list[Event]:
        rows = self.conn.execute(
            "SELECT hash, data FROM events WHERE entity = ? ORDER BY hlc", (entity,)
        ).fetchall()
        return [Event(h, bytes(d), json.loads(d)) for h, d in rows]

    def event_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM events").fetchone()[0])

    def _ensure_projection(self) -> None:
        signature = projection_signature()
        if self._meta("projection") != signature or not self.db.table("sites").exists():
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

    def rebuild_projection(self, *, progress: Callable[[int, int, str], None] | None = None) -> int:
        """Drop the tables and replay the whole journal; returns the number of events."""
        total = self.event_count()
        with self.transaction():
            self._create_projection_tables()
            batch: dict[str, list[journal.EntityState]] = defaultdict(list)
            current: str | None = None
            events: list[Event] = []
            rows = self.conn.execute("SELECT hash, data, entity FROM events ORDER BY entity, hlc")
            for done, (h, data, entity) in enumerate(rows, start=1):
                if entity != current and events:
                    state = journal.project(events)
                    if state is not None:
                        batch[state.kind].append(state)
                    events = []
                current = entity
                events.append(Event(h, bytes(data), json.loads(data)))
                if progress is not None and done % 5000 == 0:
                    progress(done, total, "rebuilding")
            if events:
                state = journal.project(events)
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
        for entity in set(entities):
            state = journal.project(self.events_of(entity))
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
            self.conn.execute(
                f"DELETE FROM conflicts WHERE entity IN ({','.join('?' for _ in chunk)})", chunk
            )
        if conflict_rows:
            self.conn.executemany(
                "INSERT INTO conflicts (entity, kind, field, candidates) VALUES (?, ?, ?, ?)",
                conflict_rows,
            )


def _hlc_time(hlc: str | None) -> str | None:
    if not hlc:
        return None
    ms = int(hlc.split("-", 1)[0])
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
