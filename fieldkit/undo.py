"""Taking back one's own writes as new journal events (the journal keeps everything).

A write that can be taken back records the inverse :class:`Step`\\ s: an update is undone by
an update restoring the earlier values, a creation or a link by a retraction, a
retraction by a reinstatement. :func:`apply_steps` runs them in one transaction, newest
first, and refuses (changing nothing) when a record was changed since by anyone: undo
never overwrites a later edit silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fieldkit.errors import ValidationError

if TYPE_CHECKING:
    from fieldkit.store import Store

ACTIONS = ("update", "retract", "reinstate")


@dataclass(frozen=True)
class Step:
    """One inverse write. ``update``: restore ``values`` if the record still holds
    ``expect``; ``retract`` / ``reinstate``: with ``reason``."""

    action: str
    record_id: str
    values: Mapping[str, Any] = field(default_factory=dict)
    expect: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""


def update_step(before: Mapping[str, Any], after: Mapping[str, Any], names: Sequence[str]) -> Step:
    """The step that takes back an update of ``names`` from ``before`` to ``after``."""
    return Step(
        "update",
        str(after["id"]),
        {n: before.get(n) for n in names},
        {n: after.get(n) for n in names},
    )


def apply_steps(store: Store, steps: Sequence[Step], reason: str) -> list[str]:
    """Apply the inverse steps (given oldest first; applied newest first) in one
    transaction; returns the ids written. Raises ValidationError, writing nothing, when
    a record changed since (its values are not what the step expects, or its retraction
    state is not what it was)."""
    done: list[str] = []
    with store.transaction():
        for step in reversed(steps):
            if step.action not in ACTIONS:
                raise ValidationError(f"cannot undo with {step.action!r}")
            current = store.get(step.record_id)
            what = f"{current['kind']} {current.get('name') or current['id']}"
            if step.action == "update":
                if current["retracted"]:
                    raise ValidationError(f"{what} was retracted since; not undone")
                for name, value in step.expect.items():
                    if _norm(current.get(name)) != _norm(value):
                        raise ValidationError(f"{what} was changed since ({name}); not undone")
                store.update(step.record_id, dict(step.values))
            elif step.action == "retract":
                if current["retracted"]:
                    raise ValidationError(f"{what} is already retracted; not undone")
                store.retract(step.record_id, step.reason or reason)
            else:
                if not current["retracted"]:
                    raise ValidationError(f"{what} was reinstated since; not undone")
                store.reinstate(step.record_id, step.reason or reason)
            done.append(step.record_id)
    return done


def _norm(value: Any) -> Any:
    return None if value in ("", []) else value


__all__ = ["ACTIONS", "Step", "apply_steps", "update_step"]
