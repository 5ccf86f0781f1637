"""Validation messages in people's words.

The core's :class:`ValidationError` names the field (``exc.fields``) and says what is
wrong in a developer's terms ("site.lat: 200.0 is outside -90..90"); the form shows the
person the same rule from the field table: "Latitude must be between −90 and 90".
"""

from __future__ import annotations

from typing import Any

from fieldkit import records
from fieldkit.errors import ValidationError
from fieldkit.gui.i18n import tr


def _num(value: float | None) -> str:
    text = f"{value:g}" if value is not None else ""
    return text.replace("-", "−")


def label_of(kind: records.Kind, name: str) -> str:
    f = kind.by_name.get(name)
    if name == "lat" and "lon" in kind.by_name:
        return tr("Position")
    return tr(f.label) if f is not None else name


def human_message(kind: records.Kind, exc: ValidationError, raw: dict[str, Any]) -> str:
    """What to tell the person about ``exc`` raised for ``raw`` (the form's values)."""
    text = str(exc)
    if not exc.fields:
        return text
    name = exc.fields[0]
    f = kind.by_name.get(name)
    label = label_of(kind, name)
    if len(exc.fields) == 2 and set(exc.fields) == {"lat", "lon"}:
        return tr("Latitude and longitude go together: give both, or neither.")
    if len(exc.fields) == 2 and f is not None:
        other = label_of(kind, exc.fields[1])
        return tr("{first} must not be after {second}.").format(first=label, second=other)
    if f is None:
        return text
    value = raw.get(name)
    if value in (None, "", []) and f.required:
        return tr("{label} is required.").format(label=label)
    if f.type in ("int", "float"):
        if isinstance(value, str):
            if f.type == "int":
                return tr("{label} must be a whole number.").format(label=label)
            return tr("{label} must be a number.").format(label=label)
        if f.type == "int" and isinstance(value, float) and not value.is_integer():
            return tr("{label} must be a whole number.").format(label=label)
        if f.minimum is not None and f.maximum is not None:
            return tr("{label} must be between {low} and {high}.").format(
                label=label, low=_num(f.minimum), high=_num(f.maximum)
            )
        if f.minimum is not None:
            return tr("{label} must be at least {low}.").format(label=label, low=_num(f.minimum))
        if f.maximum is not None:
            return tr("{label} must be at most {high}.").format(label=label, high=_num(f.maximum))
    if f.type == "date":
        return tr("{label} must be a real date written like 2020-10-09.").format(label=label)
    if f.type == "datetime":
        if "no UTC offset" in text:
            return tr("{label} needs its UTC offset, e.g. +04:00.").format(label=label)
        return tr("{label} must be a date and time written like 2020-10-09 14:02.").format(
            label=label
        )
    if name.endswith("offset"):
        return tr("{label} must be an offset like +04:00.").format(label=label)
    if name == "lat" and "understood" in text:
        return tr(
            "The position is not understood. Type decimal degrees (39.8153, 46.7519), "
            "degrees-minutes-seconds (39°48′55″N 46°45′07″E) or MGRS (38S PK 49948 08725)."
        )
    if f.type == "names":
        return tr("{label}: one name per line, as NAME or NAME@LANG.").format(label=label)
    return text
