"""Chain continuity of a device's events: seq + 1, prev = hash of the previous event.

Per device, events carry a sequence number from 1 and the hash of the device's previous
event, so a gap, a fork or an edited byte shows (docs/bundle-format.md, "Journal").

:class:`ChainWalker` is the one place that rule is checked. It walks one device's events
in the order given, one at a time (nothing is kept but the last position), and says what
is wrong with each as a :class:`~fieldkit.problems.Problem` with ``device``, ``seq`` and a
``code``. Three callers use it: the store's own chain check (:func:`verify_chain`), the
bundle verifier reading a journal file line by line (and the importer reading it again),
and the merge of another device's events into a store. Pure: no SQLite, no files.
"""

from __future__ import annotations

from collections.abc import Iterable

from fieldkit.canonical import sha256_hex
from fieldkit.errors import ChainError
from fieldkit.journal.events import Event, parse_event
from fieldkit.problems import Problem

# Codes of the problems about a chain. Continuity (the walker): gap, duplicate, broken-link,
# bad-start. A store's stored rows (verify_chain): edited, malformed, reordered.
GAP, DUPLICATE, BROKEN_LINK, BAD_START = "gap", "duplicate", "broken-link", "bad-start"


class ChainWalker:
    """One device's chain, checked one event at a time.

    ``after`` is the position the events continue from: ``(0, None)`` for a chain from
    its first event, ``(seq, hash)`` for a store's head, or ``None`` when it is unknown
    (an incremental bundle starts mid-chain: its first event is only checked to be
    self-consistent, seq 1 without a previous event and any later seq with one; the
    store that holds the earlier events checks the link when it merges).

    :meth:`step` takes each event in the order given and returns what is wrong with its
    place in the chain (an empty list when nothing is). After a problem the walk goes on
    from the event given, so one break is reported once, not once per later event.

    Extension point: a subclass overrides :meth:`check_event` to add rules that judge one
    event against what the walk has seen (for example that its ``author`` is the key
    that signs the device's checkpoints); its problems are returned by :meth:`step` with
    the continuity problems.
    """

    def __init__(self, device: str, *, after: tuple[int, str | None] | None = (0, None)) -> None:
        self.device = device
        self.started = after is not None
        self.last_seq, self.last_hash = after if after is not None else (0, None)
        self.first_seq: int | None = None  # the first event walked, and its prev
        self.first_prev: str | None = None
        self.count = 0

    def step(self, event: Event, *, event_hash: str | None = None) -> list[Problem]:
        """Walk one event (``event_hash``: the hash the caller holds it under, if not its own)."""
        here = event_hash if event_hash is not None else event.hash
        problems = self._continuity(event)
        problems.extend(self.check_event(event))
        if self.first_seq is None:
            self.first_seq, self.first_prev = event.seq, event.prev
        self.last_seq, self.last_hash = event.seq, here
        self.started = True
        self.count += 1
        return problems

    def skip(self, seq: int, event_hash: str) -> None:
        """Move past an event that could not be read (the walk goes on after it)."""
        self.last_seq, self.last_hash = seq, event_hash
        self.started = True

    def check_event(self, event: Event) -> Iterable[Problem]:
        """Rules beyond continuity, for a subclass to add; the base adds none."""
        return ()

    def _continuity(self, event: Event) -> list[Problem]:
        seq, prev, last = event.seq, event.prev, self.last_seq
        if not self.started:
            if seq == 1 and prev is not None:
                return [self._problem(seq, BAD_START, "seq 1 must have no previous event")]
            if seq > 1 and prev is None:
                return [self._problem(seq, BAD_START, f"seq {seq} names no previous event")]
            return []
        if seq > last + 1:
            missing = f"{last + 1}..{seq - 1}"
            return [
                self._problem(seq, GAP, f"gap: seq {last} to {seq}, events {missing} are missing")
            ]
        if seq <= last:
            return [
                self._problem(
                    seq,
                    DUPLICATE,
                    f"duplicate or reordered: seq {seq} after seq {last}",
                )
            ]
        if prev != self.last_hash:
            return [
                self._problem(
                    seq,
                    BROKEN_LINK,
                    f"seq {seq} does not follow the event before it (its prev "
                    f"{str(prev)[:12]}… is not that event's hash {str(self.last_hash)[:12]}…)",
                )
            ]
        return []

    def _problem(self, seq: int, code: str, message: str) -> Problem:
        return Problem(code, message, device=self.device, seq=seq)


def verify_chain(rows: Iterable[tuple[str, int, str, bytes]]) -> list[Problem]:
    """Check stored events ``(device, seq, hash, data)`` ordered by device then seq.

    Collects every problem instead of stopping at the first: an edited byte (the hash no
    longer matches), a gap, a duplicate or reordered sequence, a broken link to the
    previous event (all three from :class:`ChainWalker`), and an event whose body
    disagrees with where it is stored.
    """
    problems: list[Problem] = []
    walker: ChainWalker | None = None
    for device, seq, stored_hash, data in rows:
        if walker is None or walker.device != device:
            walker = ChainWalker(device)
        actual = sha256_hex(data)
        if actual != stored_hash:
            problems.append(
                Problem(
                    "edited",
                    f"content changed: stored hash {stored_hash[:12]}… "
                    f"but the bytes hash to {actual[:12]}…",
                    device=device,
                    seq=seq,
                )
            )
        try:
            event = parse_event(data)
        except ChainError as exc:
            problems.append(Problem("malformed", str(exc), device=device, seq=seq))
            walker.skip(seq, stored_hash)
            continue
        if event.device != device or event.seq != seq:
            problems.append(
                Problem(
                    "reordered",
                    f"event says device {event.device} seq {event.seq}",
                    device=device,
                    seq=seq,
                )
            )
        # Where it is stored is what the chain is judged by (the row's seq and hash).
        stored = Event(stored_hash, event.data, {**event.body, "seq": seq})
        problems.extend(walker.step(stored))
    return problems
