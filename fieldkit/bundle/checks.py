"""The checks of a bag's tag files: bag-info fields, the signature and its trust, media.

bag-info fields follow RFC 8493 section 2.2.2 plus FieldKit's own (docs/bundle-format.md);
the signature is an SSHSIG (namespace ``namespaces.BUNDLE_NAMESPACE``) over the tag manifest.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path

from fieldkit.bundle.bag import (
    BAG_INFO,
    FORMAT_VERSIONS,
    MEDIA_DIR,
    SIGNATURE,
    TAGMANIFEST,
    Problem,
)
from fieldkit.bundle.journals import JournalFile
from fieldkit.bundle.report import UNTRUSTED, VerifyReport
from fieldkit.canonical import is_sha256
from fieldkit.crypto import namespaces, sshsig, trustlist
from fieldkit.errors import FieldkitError
from fieldkit.ids import is_id

_DEVICE_LINE = re.compile(r"^(\S+) (\d+)-(\d+) ([0-9a-f]{64})$")
_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SINGLE_FIELDS = (
    "Bagging-Date",
    "Payload-Oxum",
    "External-Identifier",
    "FieldKit-Format-Version",
    "FieldKit-Export",
    "FieldKit-Signer",
    "FieldKit-Signer-Identity",
)
_REQUIRED_FIELDS = (*_SINGLE_FIELDS, "Source-Organization", "Contact-Name")


# A public release (fieldkit/release.py) is a bag of its own kind: no journal, its own
# version field and signature namespace.
RELEASE_VERSION_FIELD = "FieldKit-Release-Version"
_RELEASE_SINGLE_FIELDS = (
    "Bagging-Date",
    "Payload-Oxum",
    "External-Identifier",
    RELEASE_VERSION_FIELD,
    "FieldKit-Signer",
    "FieldKit-Signer-Identity",
)


def is_release(info: dict[str, list[str]]) -> bool:
    """Whether bag-info describes a public release rather than a bundle."""
    return RELEASE_VERSION_FIELD in info


def namespace_of(info: dict[str, list[str]]) -> str:
    """The SSHSIG namespace the bag's signature must carry: release or bundle."""
    return namespaces.RELEASE_NAMESPACE if is_release(info) else namespaces.BUNDLE_NAMESPACE


def check_bag_info(info: dict[str, list[str]], report: VerifyReport) -> None:
    problems = report.problems
    if is_release(info):
        _check_release_info(info, report)
        return
    for label in _REQUIRED_FIELDS:
        if label not in info:
            problems.append(Problem("bag-info", f"{label} is missing", path=BAG_INFO))
    for label in _SINGLE_FIELDS:
        if len(info.get(label, [])) > 1:
            problems.append(Problem("bag-info", f"{label} appears more than once", path=BAG_INFO))
    version = info.get("FieldKit-Format-Version", [""])[0]
    if version and version not in FORMAT_VERSIONS:
        problems.append(
            Problem("bag-info", f"format version {version!r} is not supported", path=BAG_INFO)
        )
    oxum = info.get("Payload-Oxum", [""])[0]
    if oxum and not re.match(r"^\d+\.\d+$", oxum):
        problems.append(Problem("bag-info", f"Payload-Oxum {oxum!r} is malformed", path=BAG_INFO))
    ident = info.get("External-Identifier", [""])[0]
    if ident and not _URN.match(ident):
        problems.append(Problem("bag-info", "External-Identifier is not urn:uuid:…", path=BAG_INFO))
    report.bundle_id = ident or None
    export = info.get("FieldKit-Export", [""])[0]
    if export and export not in ("incremental", "full"):
        problems.append(
            Problem("bag-info", f"FieldKit-Export {export!r} is unknown", path=BAG_INFO)
        )
    report.export = export or None
    prev = info.get("FieldKit-Previous-Bundle", [])
    if len(prev) > 1 or (prev and not _URN.match(prev[0])):
        problems.append(Problem("bag-info", "FieldKit-Previous-Bundle is malformed", path=BAG_INFO))
    report.previous_bundle = prev[0] if prev else None
    for line in info.get("FieldKit-Device", []):
        m = _DEVICE_LINE.match(line)
        if not m or not is_id(m.group(1)) or int(m.group(2)) > int(m.group(3)):
            problems.append(Problem("bag-info", f"FieldKit-Device {line[:100]!r}", path=BAG_INFO))
            continue
        device = m.group(1)
        if device in report.devices:
            problems.append(Problem("bag-info", f"device {device} listed twice", path=BAG_INFO))
        report.devices[device] = {
            "first": int(m.group(2)),
            "last": int(m.group(3)),
            "head": m.group(4),
            "continues_from": None,
        }


def _check_release_info(info: dict[str, list[str]], report: VerifyReport) -> None:
    problems = report.problems
    for label in (*_RELEASE_SINGLE_FIELDS, "Source-Organization", "Contact-Name"):
        if label not in info:
            problems.append(Problem("bag-info", f"{label} is missing", path=BAG_INFO))
    for label in _RELEASE_SINGLE_FIELDS:
        if len(info.get(label, [])) > 1:
            problems.append(Problem("bag-info", f"{label} appears more than once", path=BAG_INFO))
    version = info.get(RELEASE_VERSION_FIELD, [""])[0]
    if version != "1":
        problems.append(
            Problem("bag-info", f"release version {version!r} is not supported", path=BAG_INFO)
        )
    for label in ("FieldKit-Device", "FieldKit-Format-Version", "FieldKit-Export"):
        if label in info:
            problems.append(
                Problem(
                    "bag-info", f"a release carries no journal, yet names {label}", path=BAG_INFO
                )
            )
    ident = info.get("External-Identifier", [""])[0]
    if ident and not _URN.match(ident):
        problems.append(Problem("bag-info", "External-Identifier is not urn:uuid:…", path=BAG_INFO))
    report.bundle_id = ident or None
    report.export = "release"


def canonical_armor(text: bytes) -> bytes | None:
    """The signature file as ssh-keygen writes it, from its own content (None if unreadable).

    The signature file is the one file no manifest covers; requiring its exact canonical
    form means no byte of it can change unnoticed (base64 has spare bits).
    """
    lines = text.decode("ascii", "replace").strip().splitlines()
    if len(lines) < 3:
        return None
    try:
        blob = base64.b64decode("".join(lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        return None
    body = base64.b64encode(blob).decode("ascii")
    wrapped = [body[i : i + 70] for i in range(0, len(body), 70)]
    return ("\n".join([sshsig.ARMOR_BEGIN, *wrapped, sshsig.ARMOR_END]) + "\n").encode("ascii")


def check_signature(
    sig_bytes: bytes,
    tagm_bytes: bytes,
    info: dict[str, list[str]],
    trust: Path | None,
    report: VerifyReport,
) -> None:
    problems = report.problems
    namespace = namespace_of(info)
    try:
        pub = sshsig.verify(sig_bytes, tagm_bytes, namespace)
    except FieldkitError as exc:
        problems.append(
            Problem(
                "signature",
                f"{exc} (the signature or {TAGMANIFEST} was altered, or made by another tool)",
                path=SIGNATURE,
            )
        )
        return
    if canonical_armor(sig_bytes) != sig_bytes:
        problems.append(
            Problem("signature", "altered: not in the exact form ssh-keygen writes", path=SIGNATURE)
        )
    fp = sshsig.fingerprint(pub)
    claimed = info.get("FieldKit-Signer", [None])[0]
    claimed_key = info.get("FieldKit-Signer-Key", [None])[0]
    identity = info.get("FieldKit-Signer-Identity", [None])[0]
    report.signer = {
        "fingerprint": fp,
        "key": sshsig.public_key_to_openssh(pub),
        "identity": identity,
        "trusted_as": None,
    }
    if claimed is not None and claimed != fp:
        problems.append(
            Problem(
                "signature", f"names signer {claimed} but {fp} signed the bundle", path=BAG_INFO
            )
        )
    if claimed_key is not None and claimed_key != sshsig.public_key_to_openssh(pub):
        problems.append(
            Problem("signature", "FieldKit-Signer-Key is not the signer's", path=BAG_INFO)
        )
    if trust is None:
        problems.append(
            Problem(
                UNTRUSTED,
                f"valid signature by {fp} ({identity}), but no allowed_signers file was given "
                "(--trust FILE): nobody vouched for this key",
                path=SIGNATURE,
            )
        )
        return
    try:
        trusted_as = trustlist.trusted_identity(trust, pub, namespace=namespace)
    except FieldkitError as exc:
        problems.append(Problem("trust", f"cannot read the trusted keys: {exc}", path=str(trust)))
        return
    report.signer["trusted_as"] = trusted_as
    if trusted_as is None:
        problems.append(
            Problem(
                UNTRUSTED,
                f"valid signature by {fp} ({identity}), a key not in {trust}",
                path=SIGNATURE,
            )
        )
    elif identity is not None and trusted_as != identity:
        report.warnings.append(
            Problem(
                "signature",
                f"the bundle says the signer is {identity}; your trusted keys know this key "
                f"as {trusted_as}",
                path=BAG_INFO,
            )
        )


def check_media(
    journals: dict[str, JournalFile], media_found: dict[str, str], report: VerifyReport
) -> None:
    referenced: set[str] = set()
    for jf in journals.values():
        referenced |= jf.media
    for sha in sorted(referenced - set(media_found)):
        if not is_sha256(sha):
            report.problems.append(
                Problem(
                    "media", f"a media event names a malformed sha256 {sha!r}", path=f"{MEDIA_DIR}"
                )
            )
            continue
        report.problems.append(
            Problem(
                "missing-media",
                "the journal in this bundle records this file, but it is not here",
                path=f"{MEDIA_DIR}/{sha[:2]}/{sha}",
            )
        )
    for sha, rel in sorted(media_found.items()):
        if sha not in referenced:
            report.warnings.append(
                Problem(
                    "unreferenced-media",
                    "no media event in this bundle names it (an earlier bundle may)",
                    path=rel,
                )
            )
