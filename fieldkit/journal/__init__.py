"""The journal: hash-chained events, and the projection of an entity's events into a record.

An event is a JSON object stored as its canonical bytes; its hash is the SHA-256 of those
bytes. Per device, events carry a sequence number from 1 and the hash of the device's
previous event, so a gap, a fork or an edited byte shows. Events of one entity form a
DAG through ``base`` (the entity's heads the author had seen), which is how concurrent
edits of the same field are told apart from later edits.

Everything here is pure: no SQLite, no files. :mod:`fieldkit.store` persists it.

Where each part lives: :mod:`.events` (an event's bytes, hash and parsing),
:mod:`.chain` (continuity of a device's chain), :mod:`.checkpoints` (signed chain heads),
:mod:`.projection` (an entity's events into its record).
"""

from __future__ import annotations

from fieldkit.journal.chain import ChainWalker, verify_chain
from fieldkit.journal.checkpoints import (
    CHECKPOINT_KEYS,
    checkpoint_key,
    checkpoint_payload,
    checkpoint_signer,
)
from fieldkit.journal.events import (
    EVENT_VERSIONS,
    FORMAT_VERSION,
    MAX_EVENT_BYTES,
    OPS,
    REINSTATE_VERSION,
    Event,
    make_event,
    parse_event,
)
from fieldkit.journal.projection import Candidate, EntityState, Review, project

__all__ = [
    "CHECKPOINT_KEYS",
    "EVENT_VERSIONS",
    "FORMAT_VERSION",
    "MAX_EVENT_BYTES",
    "OPS",
    "REINSTATE_VERSION",
    "Candidate",
    "ChainWalker",
    "EntityState",
    "Event",
    "Review",
    "checkpoint_key",
    "checkpoint_payload",
    "checkpoint_signer",
    "make_event",
    "parse_event",
    "project",
    "verify_chain",
]
