"""The record kinds, their fields and how a value is checked.

One table of field specifications drives validation, the projection's SQL columns, the
CLI's options and the GUI's forms, so a field is described once. Values are plain JSON
types: text, numbers, booleans, lists; times are ISO 8601 text (UTC instants end in Z).

Why over 500 lines: most of it is that one table (every kind and field, with labels, units
and bounds); splitting it would scatter the description a field is meant to have in one
place.
"""

from __future__ import annotations

import builtins
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fieldkit.errors import ValidationError
from fieldkit.ids import is_id
from fieldkit.timezones import format_utc

# Every whole number is stored as an SQLite INTEGER (signed 64 bits, sqlite.org/datatype3):
# a field without its own maximum is still bounded by that, so a value past it is a
# ValidationError naming the field, never an OverflowError at write time.
INT_MIN = -(2**63)
INT_MAX = 2**63 - 1


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # text, int, float, enum, date, datetime, bool, ref, list, names
    label: str
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: str | None = None  # kind a ref field points to
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""

    @property
    def sql_type(self) -> builtins.type:
        return {"int": int, "float": float, "bool": int}.get(self.type, str)


@dataclass(frozen=True)
class Kind:
    name: str
    plural: str
    label: str
    fields: tuple[Field, ...]
    title_field: str
    parent: str | None = None  # the ref field that places it under another record
    user_editable: bool = True
    by_name: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})


#: Where a position came from: a photo's EXIF, its XMP (where EXIF has none), a video's
#: QuickTime location (``©xyz`` or Apple's ISO 6709 key), a GPS track the photo was matched
#: to by time (``fieldkit media geotag``), the investigator's device, a map, or by hand.
POSITION_SOURCES = ("exif", "xmp", "quicktime", "track", "device", "map", "manual")
_OFFSET_HELP = (
    "the UTC offset the time was given in (e.g. +04:00), kept beside the UTC instant "
    "so the local time as entered can be shown again"
)
YES_NO = ("yes", "no")


def _release() -> Field:
    """Whether a person chose this record for publication (issue 16); absent means no."""
    return Field(
        "release",
        "enum",
        "Release",
        choices=YES_NO,
        help="yes: may appear in the public release and public outputs (default no)",
    )


def _sensitive_position() -> Field:
    return Field(
        "sensitive_position",
        "enum",
        "Sensitive position",
        choices=YES_NO,
        help="yes: published positions are snapped to a coarse grid (e.g. a witness's home)",
    )


def _position(prefix: str = "") -> tuple[Field, ...]:
    return (
        Field(
            f"{prefix}lat",
            "float",
            "Latitude",
            minimum=-90,
            maximum=90,
            help="WGS84 decimal degrees, south negative",
        ),
        Field(
            f"{prefix}lon",
            "float",
            "Longitude",
            minimum=-180,
            maximum=180,
            help="WGS84 decimal degrees, west negative",
        ),
        Field(
            f"{prefix}alt",
            "float",
            "Altitude (m)",
            minimum=-11000,
            maximum=9000,
            help="metres, below sea level negative",
        ),
        Field(f"{prefix}position_source", "enum", "Position source", choices=POSITION_SOURCES),
        Field(f"{prefix}position_accuracy_m", "float", "Accuracy (m)", minimum=0),
    )


CASE = Kind(
    "case",
    "cases",
    "Case",
    (
        Field("title", "text", "Title", required=True),
        Field("summary", "text", "Summary"),
        Field("region", "text", "Region"),
        Field("period_start", "date", "Period from"),
        Field("period_end", "date", "Period to"),
        Field("status", "enum", "Status", choices=("open", "closed", "archived")),
    ),
    title_field="title",
)

SITE = Kind(
    "site",
    "sites",
    "Site",
    (
        Field("case_id", "ref", "Case", required=True, ref="case"),
        Field("name", "text", "Name", required=True),
        Field("name_lang", "text", "Language of the name", help="e.g. hy, az, en"),
        Field(
            "other_names",
            "names",
            "Other names",
            help="the same place in other languages: NAME or NAME@LANG",
        ),
        Field(
            "site_type",
            "enum",
            "Kind of site",
            choices=("strike", "impact", "crater", "damaged_building", "vehicle", "other"),
        ),
        *_position(),
        Field("address", "text", "Address"),
        Field("neighbourhood", "text", "Neighbourhood"),
        Field("incident_start", "datetime", "Incident from (UTC)"),
        Field("incident_end", "datetime", "Incident to (UTC)"),
        Field(
            "incident_start_offset", "text", "Incident from: local UTC offset", help=_OFFSET_HELP
        ),
        Field("incident_end_offset", "text", "Incident to: local UTC offset", help=_OFFSET_HELP),
        Field(
            "incident_time_source",
            "enum",
            "Incident time known from",
            choices=("witness", "media", "official", "physical_evidence", "estimate", "unknown"),
        ),
        Field("visited_on", "date", "Visited on"),
        Field("description", "text", "Description"),
        Field(
            "civilian_objects", "list", "Civilian objects affected", help="homes, a school, cars…"
        ),
        Field(
            "military_objects",
            "enum",
            "Military objects observed",
            choices=("none_observed", "present", "not_assessed"),
        ),
        Field("military_notes", "text", "Military objects notes"),
        Field("killed", "int", "Civilians killed", minimum=0),
        Field("injured", "int", "Civilians injured", minimum=0),
        Field("casualties_source", "text", "Casualties source"),
        Field("access", "enum", "Access", choices=("granted", "refused", "not_requested")),
        Field("access_notes", "text", "Access notes"),
        _sensitive_position(),
        _release(),
    ),
    title_field="name",
    parent="case_id",
)

REMNANT = Kind(
    "remnant",
    "remnants",
    "Remnant",
    (
        Field("site_id", "ref", "Site", required=True, ref="site"),
        Field(
            "category",
            "enum",
            "Category",
            required=True,
            choices=(
                "rocket_motor",
                "cargo_section",
                "submunition",
                "fuze",
                "fragment",
                "crater",
                "other",
            ),
        ),
        Field(
            "munition_type",
            "text",
            "Munition type",
            help="a catalogue designation (e.g. 9N235) or free text",
        ),
        Field(
            "condition",
            "enum",
            "Condition",
            choices=("exploded", "dud", "partly_functioned", "unknown"),
        ),
        Field("hazard", "enum", "Hazard to civilians", choices=("yes", "no", "unknown")),
        Field("markings_lot", "text", "Lot marking"),
        Field("markings_factory", "text", "Factory marking"),
        Field("markings_year", "int", "Year marking", minimum=1900, maximum=2100),
        Field("markings_text", "text", "Markings as read"),
        Field("size", "text", "Size", help="as measured, e.g. 'length 230 mm, Ø 122 mm'"),
        Field("count", "int", "Count", minimum=1),
        *_position(),
        Field(
            "disposition",
            "enum",
            "What happened to it",
            choices=("left_in_place", "collected", "destroyed", "unknown"),
        ),
        Field("disposition_by", "text", "By whom"),
        Field("notes", "text", "Notes"),
        _sensitive_position(),
        _release(),
    ),
    title_field="munition_type",
    parent="site_id",
)

STATEMENT = Kind(
    "statement",
    "statements",
    "Statement",
    (
        Field("case_id", "ref", "Case", required=True, ref="case"),
        Field("site_id", "ref", "Site", ref="site"),
        Field(
            "witness_code",
            "text",
            "Witness code",
            required=True,
            help="a pseudonym such as W-017, never the name",
        ),
        Field("age", "int", "Age", minimum=0, maximum=130),
        Field("gender", "text", "Gender"),
        Field("role", "text", "Role", help="resident, doctor, first responder…"),
        Field("language", "text", "Language"),
        Field("interviewed_at", "datetime", "Interviewed at (UTC)"),
        Field(
            "interviewed_at_offset", "text", "Interviewed at: local UTC offset", help=_OFFSET_HELP
        ),
        Field("interviewer", "text", "Interviewer"),
        Field(
            "consent",
            "enum",
            "Consent",
            required=True,
            choices=("named", "anonymous", "internal_only", "withdrawn"),
            help="withdrawn: the witness took consent back; never in a public output",
        ),
        Field(
            "sensitivity",
            "enum",
            "Sensitivity",
            required=True,
            choices=("public", "restricted", "confidential"),
        ),
        Field("summary", "text", "Summary"),
        Field("quotes", "list", "Quotes"),
        _release(),
    ),
    title_field="witness_code",
    parent="case_id",
)

MEDIA = Kind(
    "media",
    "media",
    "Media",
    (
        Field("sha256", "text", "SHA-256", required=True),
        Field("file_name", "text", "Original file name"),
        Field(
            "file_name_bytes",
            "text",
            "Original file name bytes",
            help="hexadecimal bytes of a name that was not UTF-8; file_name shows it escaped",
        ),
        Field("size", "int", "Size (bytes)", minimum=0),
        Field("mime", "text", "Type"),
        Field("width", "int", "Width", minimum=0),
        Field("height", "int", "Height", minimum=0),
        Field("captured_utc", "datetime", "Captured (UTC)"),
        Field("captured_local", "text", "Camera clock reading"),
        Field("captured_local_source", "text", "Camera clock reading from"),
        Field("utc_offset", "text", "UTC offset"),
        Field("time_source", "text", "Time source"),
        Field("gps_utc", "datetime", "GPS clock (UTC)"),
        Field("clock_error_s", "float", "Camera clock error (s)"),
        *_position(),
        Field("direction", "float", "Direction (°)", minimum=0, maximum=360),
        Field("make", "text", "Make"),
        Field("model", "text", "Model"),
        Field("serial", "text", "Serial"),
        Field("lens", "text", "Lens"),
        Field("orientation", "int", "Orientation", minimum=1, maximum=8),
        Field("duration_s", "float", "Duration (s)", minimum=0),
        Field("warnings", "list", "Warnings"),
        Field("caption", "text", "Caption"),
        Field(
            "sensitivity",
            "enum",
            "Sensitivity",
            choices=("public", "restricted", "confidential"),
            help="as for statements: a photo of a witness's face is confidential; unset is public",
        ),
        _release(),
        Field(
            "redactions",
            "list",
            "Redactions",
            help="rectangles blacked out in every published copy: x,y,w,h in pixels of "
            "the upright photo (fieldkit/redact.py)",
        ),
    ),
    title_field="file_name",
    user_editable=False,
)

LINK = Kind(
    "link",
    "links",
    "Link",
    (
        Field("media_id", "ref", "Media", required=True, ref="media"),
        Field(
            "target_kind",
            "enum",
            "Linked to",
            required=True,
            choices=("case", "site", "remnant", "statement"),
        ),
        Field("target_id", "text", "Target", required=True),
        Field("caption", "text", "Caption"),
    ),
    title_field="caption",
    user_editable=False,
)

CAMERA = Kind(
    "camera",
    "cameras",
    "Camera clock correction",
    (
        Field("make", "text", "Make"),
        Field("model", "text", "Model"),
        Field("serial", "text", "Serial"),
        Field(
            "clock_error_s",
            "float",
            "Clock error (s)",
            help="how far the camera clock is ahead of true time; negative if behind",
        ),
        Field("utc_offset", "text", "UTC offset", help="e.g. +04:00, the zone it was set to"),
        Field("zone", "text", "Time zone", help="an IANA zone such as Asia/Yerevan"),
        Field("notes", "text", "Notes"),
    ),
    title_field="model",
)

PERSON = Kind(
    "person",
    "persons",
    "Person",
    (
        Field("name", "text", "Name", required=True),
        Field("email", "text", "Identity", required=True),
        Field("organisation", "text", "Organisation"),
        Field("fingerprint", "text", "Signing key fingerprint"),
        Field("public_key", "text", "Signing public key"),
        Field("age_recipient", "text", "Age recipient"),
    ),
    title_field="name",
    user_editable=False,
)

DEVICE = Kind(
    "device",
    "devices",
    "Device",
    (
        Field("person_id", "ref", "Person", ref="person"),
        Field("name", "text", "Device name"),
        Field("fingerprint", "text", "Signing key fingerprint"),
    ),
    title_field="name",
    user_editable=False,
)

CUSTODY = Kind(
    "custody",
    "custody",
    "Custody event",
    (
        Field(
            "action",
            "enum",
            "Action",
            required=True,
            choices=("export", "import", "verify", "accept_untrusted"),
        ),
        Field("bundle_id", "text", "Bundle id"),
        Field("path", "text", "Where"),
        Field("signer", "text", "Signer fingerprint"),
        Field("result", "text", "Result"),
        Field("details", "list", "Details"),
    ),
    title_field="action",
    user_editable=False,
)

PUBLICATION = Kind(
    "publication",
    "publications",
    "Public release",
    (
        Field("case_id", "ref", "Case", required=True, ref="case"),
        Field("identifier", "text", "Release id (urn:uuid)", required=True),
        Field("released_at", "datetime", "Released at (UTC)", required=True),
        Field("generalise_m", "int", "Grid for sensitive positions (m)", minimum=1),
        Field("signer", "text", "Signer fingerprint"),
        Field("tagmanifest_sha256", "text", "SHA-256 of its tag manifest"),
        Field("statement_ids", "list", "Statements carried"),
        Field("media_ids", "list", "Media carried"),
    ),
    title_field="identifier",
    user_editable=False,
)

# W3C PROV: the published copy (prov:Entity, by SHA-256) prov:wasDerivedFrom the original
# (by SHA-256) in the activity that is the publication; the transformations say how.
DERIVATION = Kind(
    "derivation",
    "derivations",
    "Derived copy",
    (
        Field("media_id", "ref", "Original", required=True, ref="media"),
        Field("publication_id", "ref", "Public release", required=True, ref="publication"),
        Field("source_sha256", "text", "SHA-256 of the original", required=True),
        Field("derived_sha256", "text", "SHA-256 of the copy", required=True),
        Field("derived_path", "text", "Path in the release"),
        Field("transformations", "list", "Transformations"),
        Field("redactions", "list", "Redactions burned in"),
    ),
    title_field="derived_sha256",
    user_editable=False,
)

MUNITION = Kind(
    "munition",
    "munitions",
    "Munition type",
    (
        Field("designation", "text", "Designation", required=True),
        Field(
            "category",
            "enum",
            "Category",
            required=True,
            choices=(
                "rocket",
                "missile",
                "projectile",
                "bomb",
                "dispenser",
                "submunition",
                "fuze",
                "other",
            ),
        ),
        Field("calibre_mm", "float", "Calibre (mm)", minimum=0),
        Field("delivery", "text", "Delivery"),
        Field("typical_submunitions", "list", "Typical submunitions"),
        Field("submunition_count", "int", "Submunitions carried", minimum=0),
        Field("origin", "text", "Origin"),
        Field("aliases", "list", "Other designations"),
        Field("notes", "text", "Notes"),
    ),
    title_field="designation",
)

REVOCATION = Kind(
    "revocation",
    "revocations",
    "Key revocation",
    (
        Field("fingerprint", "text", "Revoked key fingerprint", required=True),
        Field(
            "revoked_from",
            "datetime",
            "Revoked from (UTC)",
            required=True,
            help="events this key signs from this time on are held back everywhere",
        ),
        Field("reason", "text", "Reason", required=True, help="e.g. laptop seized at a checkpoint"),
    ),
    title_field="fingerprint",
    user_editable=False,
)

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        CASE,
        SITE,
        REMNANT,
        STATEMENT,
        MEDIA,
        LINK,
        CAMERA,
        PERSON,
        DEVICE,
        CUSTODY,
        MUNITION,
        PUBLICATION,
        DERIVATION,
        REVOCATION,
    )
}
USER_KINDS = ("case", "site", "remnant", "statement")


def kind_of(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValidationError(f"unknown record kind {name!r}") from None


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OFFSET_RE = re.compile(r"^[+-]\d{2}:\d{2}$")


def parse_datetime_utc(text: str) -> str:
    """An instant as ISO 8601 UTC with Z; accepts an explicit offset and converts it.

    A reading with no offset is refused: an instant without a zone is ambiguous evidence.
    """
    s = text.strip()
    try:
        value = dt.datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not an ISO 8601 time (e.g. 2020-10-09T14:02:00+04:00 or …Z)"
        ) from None
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset; add Z or e.g. +04:00")
    return format_utc(value)


def _check_one(kind: Kind, f: Field, value: Any) -> Any:
    where = f"{kind.name}.{f.name}"
    if value is None or value == "":
        if f.required:
            raise ValidationError(f"{where} is required")
        return None
    t = f.type
    if t in ("text", "ref"):
        if not isinstance(value, str):
            raise ValidationError(f"{where}: expected text, got {value!r}")
        value = value.strip()
        if t == "ref" and not is_id(value):
            raise ValidationError(f"{where}: {value!r} is not a record id")
        if len(value) > 100_000:
            raise ValidationError(f"{where}: text longer than 100,000 characters")
        return value
    if t == "enum":
        if value not in f.choices:
            raise ValidationError(f"{where}: {value!r} is not one of {', '.join(f.choices)}")
        return value
    if t in ("int", "float"):
        if isinstance(value, bool):
            raise ValidationError(f"{where}: expected a number, got {value!r}")
        try:
            number: float = int(value) if t == "int" else float(value)
        except (TypeError, ValueError):
            raise ValidationError(f"{where}: {value!r} is not a number") from None
        if t == "int" and isinstance(value, float) and not value.is_integer():
            raise ValidationError(f"{where}: {value!r} is not a whole number")
        if t == "float" and (number != number or number in (float("inf"), float("-inf"))):
            raise ValidationError(f"{where}: {value!r} is not a finite number")
        low, high = f.minimum, f.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            if low is not None and high is not None:
                raise ValidationError(f"{where}: {value} is outside {low:g}..{high:g}")
            if low is not None:
                raise ValidationError(f"{where}: {value} is below the minimum {low:g}")
            raise ValidationError(f"{where}: {value} is above the maximum {high:g}")
        if t == "int" and not INT_MIN <= number <= INT_MAX:
            raise ValidationError(
                f"{where}: {value} is beyond the largest whole number stored (2^63 - 1)"
            )
        return number
    if t == "bool":
        if isinstance(value, bool):
            return value
        raise ValidationError(f"{where}: expected true or false, got {value!r}")
    if t == "date":
        if not isinstance(value, str) or not _DATE_RE.match(value.strip()):
            raise ValidationError(f"{where}: {value!r} is not a date in the form YYYY-MM-DD")
        try:
            dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(f"{where}: {value!r} is not a real date") from None
        return value.strip()
    if t == "datetime":
        if not isinstance(value, str):
            raise ValidationError(f"{where}: expected an ISO 8601 time, got {value!r}")
        try:
            return parse_datetime_utc(value)
        except ValueError as exc:
            raise ValidationError(f"{where}: {exc}") from None
    if t == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(f"{where}: expected a list of texts")
        items = [v.strip() for v in value if v.strip()]
        if f.name == "redactions":
            from fieldkit.redact import parse_rects

            try:
                parse_rects(items)
            except ValidationError as exc:
                raise ValidationError(f"{where}: {exc}") from None
        return items
    if t == "names":
        if not isinstance(value, list):
            raise ValidationError(f"{where}: expected a list of names")
        out = []
        for item in value:
            if isinstance(item, str):
                item = parse_name(item)
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("name"), str)
                or not item["name"].strip()
                or set(item) - {"name", "lang"}
            ):
                raise ValidationError(f"{where}: {item!r} is not a name (NAME or NAME@LANG)")
            out.append({k: v.strip() for k, v in item.items() if isinstance(v, str) and v})
        return out
    raise AssertionError(f"unhandled field type {t}")


def parse_name(text: str) -> dict[str, str]:
    """``"Khankendi@az"`` → ``{"name": "Khankendi", "lang": "az"}``."""
    name, sep, lang = text.rpartition("@")
    if sep and name.strip() and re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]+)*", lang.strip()):
        return {"name": name.strip(), "lang": lang.strip()}
    return {"name": text.strip()}


def validate(kind: Kind, values: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Checked and normalised values; ``partial`` for an update (only the fields given).

    Raises :class:`ValidationError` naming the first bad field; nothing is written then.
    """
    unknown = sorted(set(values) - set(kind.by_name))
    if unknown:
        raise ValidationError(
            f"{kind.name}: unknown field {unknown[0]!r}; fields are "
            + ", ".join(f.name for f in kind.fields)
        )
    out: dict[str, Any] = {}
    for f in kind.fields:
        if f.name in values:
            try:
                out[f.name] = _check_one(kind, f, values[f.name])
            except ValidationError as exc:
                raise ValidationError(str(exc), fields=(f.name,)) from None
        elif f.required and not partial:
            raise ValidationError(f"{kind.name}.{f.name} is required", fields=(f.name,))
    _check_pairs(kind, out)
    return out


def _check_pairs(kind: Kind, v: Mapping[str, Any]) -> None:
    for start, end in (("incident_start", "incident_end"), ("period_start", "period_end")):
        if v.get(start) and v.get(end) and v[start] > v[end]:
            raise ValidationError(
                f"{kind.name}: {start} {v[start]} is after {end} {v[end]}", fields=(start, end)
            )
    offset = v.get("utc_offset")
    if kind.name == "camera" and offset and not _OFFSET_RE.match(offset):
        raise ValidationError(
            f"camera.utc_offset: {offset!r} is not like +04:00", fields=("utc_offset",)
        )
    for name in OFFSET_FIELDS.get(kind.name, {}).values():
        value = v.get(name)
        if value and not _OFFSET_RE.match(value):
            raise ValidationError(
                f"{kind.name}.{name}: {value!r} is not like +04:00", fields=(name,)
            )


# A datetime field and the field that keeps the UTC offset it was typed with.
OFFSET_FIELDS = {
    "site": {"incident_start": "incident_start_offset", "incident_end": "incident_end_offset"},
    "statement": {"interviewed_at": "interviewed_at_offset"},
}


def typed_offset(text: str) -> str | None:
    """The UTC offset written in an ISO 8601 time (``+04:00``; ``Z`` gives ``+00:00``),
    or None when it has none or is not a time."""
    try:
        value = dt.datetime.fromisoformat(
            text.strip().replace("Z", "+00:00").replace("z", "+00:00")
        )
    except ValueError:
        return None
    off = value.utcoffset()
    if off is None:
        return None
    minutes = int(off.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def with_typed_offsets(kind: Kind, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` plus, for each datetime typed with an offset, that offset in its
    companion field (unless given): the local time as entered stays recoverable."""
    out = dict(values)
    for name, offset_name in OFFSET_FIELDS.get(kind.name, {}).items():
        text = out.get(name)
        if isinstance(text, str) and offset_name not in out:
            offset = typed_offset(text)
            if offset is not None:
                out[offset_name] = offset
    return out


def check_record(kind: Kind, record: Mapping[str, Any]) -> None:
    """Checks on a whole record after an update is applied (pairs of fields)."""
    has_lat = record.get("lat") is not None
    has_lon = record.get("lon") is not None
    if has_lat != has_lon:
        raise ValidationError(
            f"{kind.name}: latitude and longitude go together", fields=("lat", "lon")
        )
    _check_pairs(kind, record)
