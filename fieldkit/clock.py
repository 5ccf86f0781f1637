"""Hybrid logical clock: orders events across laptops whose clocks are wrong.

A timestamp is ``(wall_ms, counter)``; it never goes backwards on a device, and after
importing another device's events it is later than all of them, so an event is always
ordered after every event its author had seen. Its text form sorts in the same order
(zero-padded), with the device id as the final tie-breaker.

The text form is ``<wall_ms:15 digits>-<counter:6 digits>-<device>`` (docs/bundle-format.md).
Two rules keep every value inside it (issue 9, "clocks are bounded"):

* the counter never passes :data:`MAX_COUNTER`: one more tick moves the wall part on by
  a millisecond instead (a device cannot write a million events in one millisecond, so
  this borrows at most a few milliseconds from the future);
* no imported timestamp may pull the local clock more than :data:`MAX_AHEAD_MS` (24 h)
  ahead of the local wall clock: :func:`observe` ignores one that would, and the store
  keeps such an event in the journal but holds it back from the projection
  (docs/trust-model.md, "Clocks").

Every value the text form allows parses (:func:`HLC.parse`) and turns into an ISO 8601
time (:func:`iso_of_ms`), including years past 9999.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

MAX_WALL_MS = 10**15 - 1  # 15 digits: about the year 33658
MAX_COUNTER = 10**6 - 1  # 6 digits
MAX_AHEAD_MS = 24 * 3600 * 1000  # how far an imported clock may run ahead of ours


@dataclass(frozen=True, order=True)
class HLC:
    wall_ms: int
    counter: int

    def text(self, device: str) -> str:
        return f"{self.wall_ms:015d}-{self.counter:06d}-{device}"

    @classmethod
    def parse(cls, text: str) -> HLC:
        """``<ms>-<counter>-<device>`` → HLC; ValueError if the numbers are not digits."""
        wall, counter, _device = text.split("-", 2)
        if not (wall.isdigit() and counter.isdigit()):
            raise ValueError(f"{text[:60]!r} is not a hybrid logical clock")
        return cls(int(wall), int(counter))


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def tick(last: HLC, now_ms: int | None = None) -> HLC:
    """The next local timestamp after ``last``; the counter never overflows its 6 digits."""
    now = wall_ms() if now_ms is None else now_ms
    if now > last.wall_ms:
        return HLC(min(now, MAX_WALL_MS), 0)
    if last.counter < MAX_COUNTER:
        return HLC(last.wall_ms, last.counter + 1)
    if last.wall_ms >= MAX_WALL_MS:
        # Only a store whose clock was poisoned before this bound existed gets here.
        raise OverflowError("the hybrid logical clock is at the end of its format")
    return HLC(last.wall_ms + 1, 0)


def too_far_ahead(remote: HLC, now_ms: int | None = None) -> bool:
    """Whether ``remote`` is more than :data:`MAX_AHEAD_MS` ahead of our wall clock."""
    now = wall_ms() if now_ms is None else now_ms
    return remote.wall_ms > now + MAX_AHEAD_MS


def observe(last: HLC, remote: HLC, now_ms: int | None = None) -> HLC:
    """The clock after seeing a remote timestamp (not itself a new event).

    A remote timestamp beyond the bound (:func:`too_far_ahead`) does not move the clock.
    """
    if too_far_ahead(remote, now_ms):
        return last
    return max(last, remote)


def bounded(last: HLC, now_ms: int | None = None) -> HLC:
    """``last``, or our wall clock if ``last`` is beyond the bound (a clock poisoned
    by an import before the bound existed); local events then order by the real time."""
    if too_far_ahead(last, now_ms):
        now = wall_ms() if now_ms is None else now_ms
        return HLC(now, 0)
    return last


def iso_of_ms(ms: int) -> str:
    """Milliseconds since 1970 (UTC) as ISO 8601 with ``Z``; any 15-digit value works.

    Years past 9999 use the expanded form of ISO 8601 §4.1.2.4 (``+12345-01-01T…Z``),
    which Python's datetime cannot hold, so the date is computed here.
    """
    days, rest = divmod(ms, 86_400_000)
    # Proleptic Gregorian date from a day count (Howard Hinnant's civil_from_days).
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    year = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year += month <= 2
    secs, milli = divmod(rest, 1000)
    hh, rem = divmod(secs, 3600)
    mm, ss = divmod(rem, 60)
    year_text = f"{year:04d}" if year <= 9999 else f"+{year}"
    return f"{year_text}-{month:02d}-{day:02d}T{hh:02d}:{mm:02d}:{ss:02d}.{milli:03d}Z"
