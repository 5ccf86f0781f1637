"""Whom this store trusts: exporting our key, trusting and untrusting another's, and
the question every verification asks (:func:`trusted_identity`). Our own key is always
trusted. The list is the key folder's ``allowed_signers``
(:mod:`fieldkit.crypto.allowed_signers`), the file ``ssh-keygen -Y verify -f`` takes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PublicKey,
)

from fieldkit.crypto import sshsig
from fieldkit.crypto.allowed_signers import (
    TrustedSigner,
    namespace_allowed,
    parse_allowed_signers_text,
    parse_recipient_comment,
    parse_signer_line,
    read_allowed_signers,
    recipient_comment,
    signer_line,
)
from fieldkit.crypto.keyfolder import (
    ALLOWED_SIGNERS,
    MAX_ALLOWED_SIGNERS,
    MAX_EXPORT,
    check_permissions,
    read_text,
    write_atomic,
)
from fieldkit.crypto.keys import (
    PublicIdentity,
    load_public,
    own_recipient_signature,
    validate_identity,
)
from fieldkit.crypto.recipients import (
    age_recipient_signed,
    check_age_recipient,
    recipient_signature_line,
)
from fieldkit.errors import KeyFileError, ValidationError

if TYPE_CHECKING:
    pass


def export_public(keys_dir: Path) -> str:
    """Our public key as a one-entry allowed_signers file, with the details as comments.

    An auditor can hand this file straight to ``ssh-keygen -Y verify -f``.
    """
    me = load_public(keys_dir)
    lines = [
        "# FieldKit public key (an OpenSSH allowed_signers file)",
        "# Check the fingerprint with its owner (in person or by phone) before trusting it.",
        f"# identity: {me.identity}",
        f"# fingerprint: {me.fingerprint}",
    ]
    if me.age_recipient:
        signature = own_recipient_signature(keys_dir)
        if signature is None:
            raise KeyFileError(
                "the age recipient is not signed yet (a store made by an older FieldKit): "
                "`fieldkit keys export` signs it once with your passphrase"
            )
        lines.append(f"# age-recipient: {me.age_recipient}")
        lines.append(f"# age-recipient-signature: {recipient_signature_line(signature)}")
    lines.append(f"{me.identity} {me.public_key} {me.identity}")
    return "\n".join(lines) + "\n"


def _parse_signer_text(text: str) -> tuple[str | None, Ed25519PublicKey, str | None]:
    """An export, an allowed_signers line or a ``.pub`` line → (identity, key, age)."""
    if len(text) > MAX_EXPORT:
        raise KeyFileError(f"public key file is {len(text)} characters; an export is tiny")
    claimed_fp: str | None = None
    recipient: str | None = None
    recipient_sig: str | None = None
    recipient_from_comment = False
    signer_lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        where = f"line {number}"
        if not line:
            continue
        if line.startswith("#"):
            body = line.lstrip("#").strip()
            key, sep, value = body.partition(":")
            if sep and key.strip().lower() == "fingerprint":
                claimed_fp = value.strip()
            elif sep and key.strip().lower() == "age-recipient":
                recipient = check_age_recipient(value, where)
            elif sep and key.strip().lower() == "age-recipient-signature":
                recipient_sig = value.strip()
            elif (found := parse_recipient_comment(line, where)) is not None:
                recipient = found[1]
                recipient_from_comment = True
            continue
        signer_lines.append((number, line))
    if not signer_lines:
        raise KeyFileError(
            "no public key found: expected a `fieldkit keys export` file, an allowed_signers "
            "line or an `ssh-ed25519 AAAA…` line"
        )
    if len(signer_lines) > 1:
        raise KeyFileError(
            f"the file holds {len(signer_lines)} key lines; trust one person's key at a time"
        )
    number, line = signer_lines[0]
    identity: str | None
    if line.startswith(sshsig.KEY_TYPE + " ") or line.startswith(sshsig.KEY_TYPE + "\t"):
        pub = sshsig.parse_openssh_public_key(line)
        fields = line.split(maxsplit=2)
        identity = fields[2].strip() if len(fields) == 3 else None
    else:
        entry = parse_signer_line(line, f"line {number}")
        if entry is None:
            raise KeyFileError(
                f"line {number}: not an Ed25519 key FieldKit can trust "
                "(other key types, certificates and time-limited keys are not supported)"
            )
        pub, identity = entry.public_key, entry.identity
    fp = sshsig.fingerprint(pub)
    if claimed_fp is not None and claimed_fp != fp:
        raise KeyFileError(
            f"the file says fingerprint {claimed_fp} but its key's fingerprint is {fp}: "
            "it has been altered or damaged"
        )
    if recipient is not None and not recipient_from_comment:
        # An export: its recipient must be vouched for by its own key. (A line copied
        # from an allowed_signers file is the user's own trusted file, not an export.)
        if recipient_sig is None:
            raise KeyFileError(
                f"the age recipient {recipient} is not signed by the key {fp} (an export by "
                "an older FieldKit, or an altered file): ask its owner for a fresh "
                "`fieldkit keys export`"
            )
        if not age_recipient_signed(pub, recipient, recipient_sig):
            raise KeyFileError(
                f"the age recipient {recipient} is not the one the key {fp} signed: the file "
                "has been altered; bundles encrypted to it would go to someone else"
            )
    return identity, pub, recipient


def parse_exported(text: str) -> TrustedSigner:
    """Read a ``fieldkit keys export`` file (or an allowed_signers or ``.pub`` line)."""
    identity, pub, recipient = _parse_signer_text(text)
    if identity is None:
        raise KeyFileError("the key has no identity: give one (fieldkit keys trust --identity)")
    try:
        validate_identity(identity)
    except ValidationError as exc:
        raise KeyFileError(str(exc)) from None
    return TrustedSigner(
        identity=identity,
        public_key=sshsig.public_key_to_openssh(pub),
        fingerprint=sshsig.fingerprint(pub),
        age_recipient=recipient,
    )


def _allowed_signers_lines(keys_dir: Path) -> list[str]:
    check_permissions(keys_dir)
    path = keys_dir / ALLOWED_SIGNERS
    if not path.exists():
        return []
    text = read_text(path, MAX_ALLOWED_SIGNERS)
    parse_allowed_signers_text(text, str(path))  # refuse to edit a file we cannot read
    return text.splitlines()


def _line_fingerprint(line: str, where: str) -> str | None:
    """The fingerprint a line is about (a signer line or our recipient comment)."""
    stripped = line.strip()
    if not stripped:
        return None
    if stripped.startswith("#"):
        found = parse_recipient_comment(stripped, where)
        return found[0] if found else None
    entry = parse_signer_line(stripped, where)
    return entry.fingerprint if entry else None


def _without(lines: list[str], fp: str, where: str) -> list[str]:
    return [
        line
        for number, line in enumerate(lines, 1)
        if _line_fingerprint(line, f"{where}:{number}") != fp
    ]


def _write_allowed_signers(keys_dir: Path, lines: list[str]) -> None:
    write_atomic(keys_dir / ALLOWED_SIGNERS, ("\n".join(lines) + "\n").encode("utf-8"), 0o644)


def _ensure_own_entry(keys_dir: Path, lines: list[str]) -> list[str]:
    """Our own key is always trusted; put it back if the file lost it."""
    me = load_public(keys_dir)
    path = str(keys_dir / ALLOWED_SIGNERS)
    fps = {_line_fingerprint(line, f"{path}:{n}") for n, line in enumerate(lines, 1)}
    if me.fingerprint in fps:
        return lines
    own = []
    if me.age_recipient:
        own.append(recipient_comment(me.fingerprint, me.age_recipient))
    own.append(f"{me.identity} {me.public_key} {me.identity}")
    return [*own, *lines]


def trust(keys_dir: Path, signer_text: str, *, identity: str | None = None) -> TrustedSigner:
    """Add a signer to ``allowed_signers`` (idempotent); ``identity`` overrides the file's.

    Trusting a key already trusted under another identity replaces that entry.
    """
    file_identity, pub, recipient = _parse_signer_text(signer_text)
    chosen = identity if identity is not None else file_identity
    if chosen is None:
        raise ValidationError("the key file names no identity: give one with --identity")
    validate_identity(chosen)
    me = load_public(keys_dir)
    fp = sshsig.fingerprint(pub)
    if fp == me.fingerprint:
        if chosen != me.identity:
            raise ValidationError(
                f"{fp} is this store's own key, trusted as {me.identity!r}; "
                "its identity cannot be changed here"
            )
        return _own_signer(me)
    signer = TrustedSigner(
        identity=chosen,
        public_key=sshsig.public_key_to_openssh(pub),
        fingerprint=fp,
        age_recipient=recipient,
    )
    path = keys_dir / ALLOWED_SIGNERS
    lines = _allowed_signers_lines(keys_dir)
    current = parse_allowed_signers_text("\n".join(lines), str(path))
    if signer in current:
        new_lines = _ensure_own_entry(keys_dir, lines)  # already there: nothing to add
    else:
        new_lines = _ensure_own_entry(keys_dir, _without(lines, fp, str(path)))
        if recipient:
            new_lines.append(recipient_comment(fp, recipient))
        new_lines.append(signer_line(chosen, pub))
    if new_lines != lines:
        _write_allowed_signers(keys_dir, new_lines)
    return signer


def _normalise_fingerprint(fingerprint: str) -> str:
    fp = fingerprint.strip()
    if not fp.startswith("SHA256:"):
        fp = "SHA256:" + fp
    return fp.rstrip("=")


def untrust(keys_dir: Path, fingerprint: str) -> None:
    """Remove every entry for the key with this fingerprint (``SHA256:`` optional).

    Raises :class:`ValidationError` for our own key and :class:`KeyFileError` for a
    fingerprint that is not in the list.
    """
    fp = _normalise_fingerprint(fingerprint)
    me = load_public(keys_dir)
    if fp == me.fingerprint:
        raise ValidationError(f"{fp} is this store's own key; it is always trusted")
    path = keys_dir / ALLOWED_SIGNERS
    lines = _allowed_signers_lines(keys_dir)
    remaining = _without(lines, fp, str(path))
    if remaining == lines:
        raise KeyFileError(f"no trusted key has fingerprint {fp}")
    _write_allowed_signers(keys_dir, _ensure_own_entry(keys_dir, remaining))


def _own_signer(me: PublicIdentity) -> TrustedSigner:
    return TrustedSigner(
        identity=me.identity,
        public_key=me.public_key,
        fingerprint=me.fingerprint,
        age_recipient=me.age_recipient,
    )


def list_trusted(keys_dir: Path) -> list[TrustedSigner]:
    """Every trusted signer, our own key first."""
    check_permissions(keys_dir)
    me = load_public(keys_dir)
    path = keys_dir / ALLOWED_SIGNERS
    others = read_allowed_signers(path) if path.exists() else []
    own = [s for s in others if s.fingerprint == me.fingerprint] or [_own_signer(me)]
    return [own[0], *(s for s in others if s.fingerprint != me.fingerprint)]


def trusted_identity(
    keys_dir_or_allowed_signers: Path,
    public_key: Ed25519PublicKey,
    *,
    namespace: str | None = None,
) -> str | None:
    """The identity under which ``public_key`` is trusted, or None if it is not.

    Takes a keys folder (its allowed_signers, and always our own key) or an
    allowed_signers file such as one given to ``fieldkit verify --trust``. With a
    ``namespace``, an entry limited by ``namespaces="…"`` counts only for those.
    """
    path = keys_dir_or_allowed_signers
    fp = sshsig.fingerprint(public_key)
    signers = list_trusted(path) if path.is_dir() else read_allowed_signers(path)
    for signer in signers:
        if signer.fingerprint == fp and namespace_allowed(signer.namespaces, namespace):
            return signer.identity
    return None
