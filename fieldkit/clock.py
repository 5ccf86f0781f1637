"""Hybrid logical clock: orders events across laptops whose clocks are wrong.

A timestamp is ``(wall_ms, counter)``; it never goes backwards on a device, and after
importing another device's events it is later than all of them, so an event is always
ordered after every event its author had seen. Its text form sorts in the same order
(zero-padded), with the device id as the final tie-breaker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class HLC:
    wall_ms: int
    counter: int

    def text(self, device: str) -> str:
        return f"{self.wall_ms:015d}-{self.counter:06d}-{device}"

    @classmethod
    def parse(cls, text: str) -> HLC:
        wall, counter, _device = text.split("-", 2)
        return cls(int(wall), int(counter))


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def tick(last: HLC, now_ms: int | None = None) -> HLC:
    """The next local timestamp after ``last``."""
    now = wall_ms() if now_ms is None else now_ms
    if now > last.wall_ms:
        return HLC(now, 0)
    return HLC(last.wall_ms, last.counter + 1)


def observe(last: HLC, remote: HLC) -> HLC:
    """The clock after seeing a remote timestamp (not itself a new event)."""
    return max(last, remote)
