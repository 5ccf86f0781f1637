"""The projection of one entity's events into its record, with conflicts and heads.

Events of one entity form a DAG through ``base`` (the entity's heads the author had
seen), which is how concurrent edits of the same field are told apart from later edits.
Pure: no SQLite, no files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fieldkit.journal.events import Event


@dataclass(frozen=True)
class Candidate:
    hlc: str
    event: str
    value: Any
    device: str


@dataclass(frozen=True)
class Review:
    """A change to a record by someone other than its creator: applied, flagged for a person.

    Cleared when the creator, or the person of the store that projects it, makes a later
    change that has seen it (its ``base`` reaches the flagged event).
    """

    event: str
    op: str
    author: str
    creator: str | None
    hlc: str
    reason: str | None = None


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
    creator_key: str | None = None  # the author (key fingerprint) of the first event
    owners: frozenset[str] = frozenset()  # keys whose changes need no review here
    reviews: dict[str, Review] = field(default_factory=dict)
    # Events the store did not project, with (field, reason): filled by the store.
    invalid: list[tuple[Event, str, str]] = field(default_factory=list)
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
        author = str(event.body.get("author") or "")
        if self.created_hlc is None:
            self.created_hlc = event.hlc
            self.created_by = event.device
            self.creator_key = author
        elif author == self.creator_key or author in self.owners:
            for seen in ancestors:  # the creator (or we) saw these changes: reviewed
                self.reviews.pop(seen, None)
        elif event.op == "update" and not event.fields:
            pass  # changes nothing (a colleague's "reviewed" mark): nothing to review here
        else:
            self.reviews[event.hash] = Review(
                event.hash, event.op, author, self.creator_key, event.hlc, event.body.get("reason")
            )
        if event.op == "retract":
            self.retracted = True
            self.retract_reason = event.body.get("reason")
            return
        if event.op == "reinstate":
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


def project(events: Iterable[Event], *, owners: frozenset[str] = frozenset()) -> EntityState | None:
    """The state of one entity from all its events (any order in; HLC order applied).

    ``owners`` are the keys (fingerprints) whose changes to others' records are not
    flagged for review: the projecting store's own person.
    """
    ordered = sorted(events, key=lambda e: (e.hlc, e.hash))
    if not ordered:
        return None
    first = ordered[0]
    state = EntityState(kind=first.kind, id=first.entity, owners=owners)
    for event in ordered:
        state.apply(event)
    return state
