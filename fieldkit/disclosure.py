"""What sensitive content an output carries, and the one rule for writing it.

Statements and media have a ``sensitivity``: ``public``, ``restricted`` or
``confidential`` (unset counts as public). **The rule** (issue 11, for every output that
can carry records: bundles, GIS files, reports, releases):

    An output that carries any restricted or confidential statement or media must be
    encrypted to at least one trusted colleague (someone in this store's
    allowed_signers other than ourselves, with an age recipient), unless the person
    explicitly asks for a plain output (``--plaintext`` on the command line; in the app,
    a dialog that names what is inside). Either way the report says what it carries.

Callers do two things::

    carried = disclosure.sensitive_content(store, {"statement": ids, "media": ids})
    disclosure.check_output(carried, trusted_recipients=n, plaintext=args.plaintext,
                            output="this bundle", plaintext_hint="--plaintext")

:func:`check_output` raises :class:`DisclosureRefused` (nothing written yet) when the rule
says no. :func:`trusted_recipients` counts which of an output's age recipients belong to
trusted colleagues. For a bundle a record counts as sensitive if its current value *or
any earlier event* says restricted/confidential: a journal carries the old values too.
Outputs written for an audience (GIS files, the case report: :mod:`fieldkit.audience`)
carry current values only, so :func:`carried_by_view` counts what they hold: statements
whose text they include, and media.

Encrypting is the same for every output: :func:`resolve_recipients` turns ``--to``
values (a trusted colleague's key fingerprint or identity, or an ``age1…`` recipient)
into age recipients, and :func:`encrypting` streams the output through the age format
(age-encryption.org/v1, X25519 recipients; pyrage), so the stock ``age -d`` opens it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from fieldkit.errors import FieldkitError

if TYPE_CHECKING:
    from fieldkit.store import Store

LEVELS = ("public", "restricted", "confidential")
SENSITIVE = ("confidential", "restricted")  # most severe first, as descriptions list them
KINDS_WITH_SENSITIVITY = ("statement", "media")


class DisclosureRefused(FieldkitError):
    """An output would carry restricted/confidential content unencrypted, unasked.

    ``carried`` says what (for a dialog that names it).
    """

    exit_code = 3

    def __init__(self, message: str, carried: Disclosure) -> None:
        super().__init__(message)
        self.carried = carried


def _noun(kind: str, mime: str | None, n: int) -> str:
    if kind == "statement":
        word = "statement"
    elif (mime or "").startswith("image/"):
        word = "photo"
    elif (mime or "").startswith("video/"):
        word = "video"
    elif (mime or "").startswith("audio/"):
        word = "recording"
    else:
        word = "file"
    return word if n == 1 else word + "s"


@dataclass(frozen=True)
class Disclosure:
    """Counts of sensitive records an output carries, and their ids."""

    #: (level, noun) -> ids, e.g. ("confidential", "statement") -> ["0192…"]
    items: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    @property
    def sensitive(self) -> bool:
        return any(self.items.values())

    def count(self, level: str) -> int:
        return sum(len(ids) for (lvl, _), ids in self.items.items() if lvl == level)

    def describe(self) -> str:
        """``"2 confidential statements, 1 restricted photo"``; ``"nothing sensitive"``."""
        parts = []
        for level in SENSITIVE:
            for (lvl, noun), ids in sorted(self.items.items()):
                if lvl == level and ids:
                    parts.append(f"{len(ids)} {level} {_plural(noun, len(ids))}")
        return ", ".join(parts) if parts else "nothing restricted or confidential"

    def to_json(self) -> dict[str, Any]:
        return {
            "sensitive": self.sensitive,
            "description": self.describe(),
            "confidential": self.count("confidential"),
            "restricted": self.count("restricted"),
            "items": [
                {"sensitivity": lvl, "what": noun, "ids": list(ids)}
                for (lvl, noun), ids in sorted(self.items.items())
            ],
        }


def _plural(noun: str, n: int) -> str:
    return noun if n == 1 else noun + "s"


def _level(value: Any) -> int:
    return LEVELS.index(value) if value in LEVELS else 0


def sensitive_content(store: Store, entities: Mapping[str, Iterable[str]]) -> Disclosure:
    """The restricted and confidential statements and media among ``entities``.

    ``entities`` maps a kind (``"statement"``, ``"media"``, others ignored) to record ids.
    Each record is counted at the most severe sensitivity it has ever had in the
    journal. Shape of the result: :class:`Disclosure`.
    """
    found: dict[tuple[str, str], list[str]] = {}
    for kind in KINDS_WITH_SENSITIVITY:
        for record_id in sorted(set(entities.get(kind, ()))):
            worst = 0
            mime: str | None = None
            for event in store.events_of(record_id):
                values = event.fields
                worst = max(worst, _level(values.get("sensitivity")))
                mime = values.get("mime", mime)
            if worst:
                noun = _noun(kind, mime, 1)
                found.setdefault((LEVELS[worst], noun), []).append(record_id)
    return Disclosure({k: tuple(v) for k, v in found.items()})


def sensitive_records(records: Iterable[tuple[str, Mapping[str, Any]]]) -> Disclosure:
    """The same count for records already in hand (kind, record dict), e.g. a GIS layer."""
    found: dict[tuple[str, str], list[str]] = {}
    for kind, record in records:
        if kind not in KINDS_WITH_SENSITIVITY:
            continue
        level = _level(record.get("sensitivity"))
        if level:
            noun = _noun(kind, record.get("mime"), 1)
            found.setdefault((LEVELS[level], noun), []).append(str(record.get("id")))
    return Disclosure({k: tuple(v) for k, v in found.items()})


def carried_by_view(
    statements: Iterable[Mapping[str, Any]], media: Iterable[Mapping[str, Any]]
) -> Disclosure:
    """What an audience output carries: records of a :func:`fieldkit.audience.build_view`.

    A statement counts when the output holds its text (``text_withheld`` unset); a
    medium counts when it is in the output at all (its picture, position and caption).
    Their current sensitivity is what counts: these outputs carry no history.
    """
    rows: list[tuple[str, Mapping[str, Any]]] = []
    for st in statements:
        if not st.get("text_withheld"):
            rows.append(("statement", {"id": st.get("_id"), "sensitivity": st.get("sensitivity")}))
    for m in media:
        rows.append(
            (
                "media",
                {"id": m.get("_id"), "sensitivity": m.get("sensitivity"), "mime": m.get("mime")},
            )
        )
    return sensitive_records(rows)


class RecipientError(FieldkitError):
    """A ``--to`` value that names no usable age recipient."""

    exit_code = 2


def resolve_recipients(
    keys_dir: Path, names: Sequence[str], option: str = "--to"
) -> list[tuple[str, Any]]:
    """``(age1… string, pyrage recipient)`` for each of ``names``.

    A name is an ``age1…`` X25519 recipient, or the key fingerprint (``SHA256:…``) or
    identity of a trusted person whose age recipient is known (their ``fieldkit keys
    export`` file carries it). Raises :class:`RecipientError` naming the value.
    """
    import pyrage

    from fieldkit.crypto import trustlist

    out: list[tuple[str, Any]] = []
    trusted = trustlist.list_trusted(keys_dir) if names else []
    for name in names:
        text = name.strip()
        if not text.startswith("age1"):
            matches = [s for s in trusted if text in (s.identity, s.fingerprint)]
            if not matches:
                raise RecipientError(
                    f"{option} {name}: not a trusted person's key fingerprint or identity, "
                    "nor an age recipient (age1…)"
                )
            if not matches[0].age_recipient:
                raise RecipientError(
                    f"{option} {name}: no age recipient is known for this person; trust "
                    "their `fieldkit keys export` file, which carries it"
                )
            text = matches[0].age_recipient
        try:
            out.append((text, pyrage.x25519.Recipient.from_str(text)))
        except Exception as exc:  # pyrage raises its own RecipientError
            raise RecipientError(f"{option} {name}: not a valid age recipient: {exc}") from None
    return out


class EncryptionFailed(FieldkitError):
    """age encryption of an output stopped (the output is not written)."""


@contextmanager
def encrypting(out: IO[bytes], recipients: Sequence[Any]) -> Iterator[IO[bytes]]:
    """A binary stream whose bytes reach ``out`` encrypted to ``recipients`` (age v1).

    The plaintext goes through a pipe into pyrage's encrypter on a thread: it is never
    written to disk and never held whole in memory. The stream does not seek (zipfile
    writes data descriptors then). Raises :class:`EncryptionFailed` if age stops, and
    re-raises whatever the body raised (the caller removes the partial output).
    """
    import pyrage

    r_fd, w_fd = os.pipe()
    reader = os.fdopen(r_fd, "rb")
    pipe = os.fdopen(w_fd, "wb")
    errors: list[BaseException] = []

    def encrypt() -> None:
        try:
            pyrage.encrypt_io(reader, out, list(recipients))
        except BaseException as exc:  # reported in the calling thread
            errors.append(exc)
        finally:
            reader.close()

    thread = threading.Thread(target=encrypt, name="fieldkit-age", daemon=True)
    thread.start()
    broken = False
    try:
        yield pipe
    except BrokenPipeError:
        broken = True  # the encrypter stopped reading; its error is raised below
    finally:
        try:
            pipe.close()
        except BrokenPipeError:
            broken = True
        thread.join()
    if errors or broken:
        raise EncryptionFailed(f"age encryption failed: {errors[0] if errors else 'pipe closed'}")


def trusted_recipients(keys_dir: Path, recipients: Sequence[str]) -> list[str]:
    """Those of ``recipients`` (age1… strings) that belong to a trusted colleague.

    Our own recipient does not count: encrypting to oneself protects nothing once the
    output leaves the laptop.
    """
    from fieldkit.crypto import keys, trustlist

    own = keys.load_public(keys_dir).age_recipient
    others = {s.age_recipient for s in trustlist.list_trusted(keys_dir)[1:] if s.age_recipient}
    return [r for r in recipients if r in others and r != own]


def check_output(
    carried: Disclosure,
    *,
    trusted_recipients: int,
    plaintext: bool,
    output: str = "this bundle",
    plaintext_hint: str = "--plaintext",
    encrypt_hint: str = "--to a trusted colleague",
) -> None:
    """The rule. Raises :class:`DisclosureRefused` when ``carried`` is sensitive, the
    output is encrypted to no trusted colleague and a plain output was not asked for.

    ``trusted_recipients`` is ``len(trusted_recipients(...))`` for the output (0 when it
    is not encrypted). Call it before writing anything.
    """
    if not carried.sensitive or trusted_recipients > 0 or plaintext:
        return
    raise DisclosureRefused(
        f"{output} would carry {carried.describe()} unencrypted: encrypt it "
        f"({encrypt_hint}) or, if it must be plain, say so with {plaintext_hint}; "
        "nothing was written",
        carried,
    )


__all__ = [
    "LEVELS",
    "SENSITIVE",
    "Disclosure",
    "DisclosureRefused",
    "EncryptionFailed",
    "RecipientError",
    "carried_by_view",
    "check_output",
    "encrypting",
    "resolve_recipients",
    "sensitive_content",
    "sensitive_records",
    "trusted_recipients",
]
