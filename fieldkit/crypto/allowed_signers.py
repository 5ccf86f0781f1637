"""The OpenSSH ``allowed_signers`` format, read and written (ssh-keygen(1), "ALLOWED
SIGNERS"): one line per trusted key, ``<principals> [options] ssh-ed25519 AAAA…``, and
our comment carrying a trusted person's age recipient just above their line
(``# fieldkit-age-recipient <fingerprint> age1…``), which ssh-keygen ignores. Whom to
add or remove is decided in :mod:`fieldkit.crypto.trustlist`.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PublicKey,
)

from fieldkit.crypto import sshsig
from fieldkit.crypto.keyfolder import MAX_ALLOWED_SIGNERS, read_text
from fieldkit.crypto.recipients import check_age_recipient
from fieldkit.errors import KeyFileError

if TYPE_CHECKING:
    pass


AGE_RECIPIENT_COMMENT = "# fieldkit-age-recipient"


# How an allowed_signers line's key field starts; anything else there is options.
_KEY_TYPE_PREFIXES = ("ssh-", "ecdsa-", "sk-", "rsa-")


@dataclass(frozen=True)
class TrustedSigner:
    """One signer in an allowed_signers file (and their age recipient, if known)."""

    identity: str  # the principals field, e.g. "anna@example.org"
    public_key: str
    fingerprint: str
    age_recipient: str | None
    # From a `namespaces="…"` option; None means every namespace (ssh-keygen's rule).
    namespaces: tuple[str, ...] | None = None


def signer_line(identity: str, pub: Ed25519PublicKey) -> str:
    return f"{identity} {sshsig.public_key_to_openssh(pub, identity)}"


def recipient_comment(fp: str, recipient: str) -> str:
    return f"{AGE_RECIPIENT_COMMENT} {fp} {recipient}"


def _split_options(text: str, where: str) -> tuple[str, str]:
    """Split ``opt1,opt2="a b",…  rest`` at the first space outside quotes."""
    in_quotes = False
    for i, c in enumerate(text):
        if c == '"':
            in_quotes = not in_quotes
        elif c in " \t" and not in_quotes:
            return text[:i], text[i:].lstrip()
    if in_quotes:
        raise KeyFileError(f"{where}: unterminated quote in options")
    return text, ""


def _parse_options(options: str, where: str) -> dict[str, str | None]:
    result: dict[str, str | None] = {}
    for item in re.findall(r'(?:[^,"]|"[^"]*")+', options):
        name, eq, value = item.partition("=")
        name = name.strip().lower()
        if eq:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            result[name] = value
        else:
            result[name] = None
    if not result:
        raise KeyFileError(f"{where}: empty options")
    return result


@dataclass(frozen=True)
class SignerEntry:
    identity: str
    public_key: Ed25519PublicKey
    fingerprint: str
    namespaces: tuple[str, ...] | None


def parse_signer_line(line: str, where: str) -> SignerEntry | None:
    """One allowed_signers line; None for a valid line FieldKit cannot use.

    Skipped (not trusted by FieldKit): keys other than Ed25519, ``cert-authority``
    lines (certificates are not supported) and ``valid-before``/``valid-after`` lines
    (their time rules are not evaluated, so we do not trust them rather than guess).
    """
    parts = line.split(maxsplit=1)
    if len(parts) != 2:
        raise KeyFileError(f"{where}: expected `<identity> [options] ssh-ed25519 AAAA…`")
    principals, rest = parts
    if principals.startswith('"'):
        raise KeyFileError(f"{where}: quoted identities are not supported")
    options: dict[str, str | None] = {}
    first = rest.split(maxsplit=1)[0]
    if not first.startswith(_KEY_TYPE_PREFIXES):
        opts, rest = _split_options(rest, where)
        options = _parse_options(opts, where)
    fields = rest.split(maxsplit=2)
    if len(fields) < 2:
        raise KeyFileError(f"{where}: no public key after the identity")
    if fields[0] != sshsig.KEY_TYPE:
        return None
    if "cert-authority" in options or "valid-before" in options or "valid-after" in options:
        return None
    try:
        pub = sshsig.parse_openssh_public_key(" ".join(fields[:2]))
    except KeyFileError as exc:
        raise KeyFileError(f"{where}: {exc}") from None
    namespaces = None
    if "namespaces" in options:
        namespaces = tuple(n.strip() for n in (options["namespaces"] or "").split(",") if n)
    return SignerEntry(principals, pub, sshsig.fingerprint(pub), namespaces)


def parse_recipient_comment(line: str, where: str) -> tuple[str, str] | None:
    if not line.startswith(AGE_RECIPIENT_COMMENT + " "):
        return None
    fields = line[len(AGE_RECIPIENT_COMMENT) :].split()
    if len(fields) != 2 or not fields[0].startswith("SHA256:"):
        raise KeyFileError(f"{where}: expected `{AGE_RECIPIENT_COMMENT} SHA256:… age1…`")
    return fields[0], check_age_recipient(fields[1], where)


def parse_allowed_signers_text(text: str, name: str) -> list[TrustedSigner]:
    entries: list[SignerEntry] = []
    recipients: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        where = f"{name}:{number}"
        if not line:
            continue
        if line.startswith("#"):
            found = parse_recipient_comment(line, where)
            if found:
                recipients[found[0]] = found[1]
            continue
        entry = parse_signer_line(line, where)
        if entry is not None:
            entries.append(entry)
    return [
        TrustedSigner(
            identity=e.identity,
            public_key=sshsig.public_key_to_openssh(e.public_key),
            fingerprint=e.fingerprint,
            age_recipient=recipients.get(e.fingerprint),
            namespaces=e.namespaces,
        )
        for e in entries
    ]


def read_allowed_signers(path: Path) -> list[TrustedSigner]:
    """The Ed25519 signers in an OpenSSH allowed_signers file.

    Comments, blank lines and options (``namespaces="…"``) are understood; lines with
    other key types, ``cert-authority``, ``valid-before`` or ``valid-after`` are skipped
    (FieldKit does not trust them). A malformed line is an error naming its line number,
    never silently skipped: this file decides whom we believe.
    """
    return parse_allowed_signers_text(read_text(path, MAX_ALLOWED_SIGNERS), str(path))


def namespace_allowed(patterns: tuple[str, ...] | None, namespace: str | None) -> bool:
    # ssh-keygen's rule: no namespaces option allows all; "!pattern" denies.
    if patterns is None or namespace is None:
        return True
    if any(p.startswith("!") and fnmatch.fnmatchcase(namespace, p[1:]) for p in patterns):
        return False
    return any(not p.startswith("!") and fnmatch.fnmatchcase(namespace, p) for p in patterns)
