"""Chain continuity of a device's events: seq + 1, prev = hash of the previous event.

Per device, events carry a sequence number from 1 and the hash of the device's previous
event, so a gap, a fork or an edited byte shows. Pure: no SQLite, no files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fieldkit.canonical import sha256_hex
from fieldkit.errors import ChainError
from fieldkit.journal.events import parse_event


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
