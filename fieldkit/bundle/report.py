"""What verifying a bundle found (:class:`VerifyReport`) and kept for an import."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fieldkit.problems import Problem

UNTRUSTED = "untrusted"  # the check name of "valid signature, key not trusted"


@dataclass
class VerifyReport:
    """Everything a verification found; ``ok`` only when ``problems`` is empty."""

    path: str
    form: str  # folder, zip, zip.age
    bundle_id: str | None = None
    export: str | None = None
    previous_bundle: str | None = None
    signer: dict[str, Any] = field(default_factory=dict)
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: int = 0
    payload_bytes: int = 0
    events: int = 0
    media_files: int = 0
    tagmanifest_sha256: str | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def trusted(self) -> bool:
        return bool(self.signer.get("trusted_as"))

    @property
    def fingerprint(self) -> str | None:
        h = self.tagmanifest_sha256
        return " ".join(h[i : i + 4] for i in range(0, len(h), 4)) if h else None

    def only_untrusted(self) -> bool:
        """The signature is valid and everything else passes; only trust is missing."""
        return bool(self.problems) and all(p.code == UNTRUSTED for p in self.problems)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "path": self.path,
            "form": self.form,
            "bundle_id": self.bundle_id,
            "export": self.export,
            "previous_bundle": self.previous_bundle,
            "signer": self.signer,
            "devices": self.devices,
            "files": self.files,
            "payload_bytes": self.payload_bytes,
            "events": self.events,
            "media_files": self.media_files,
            "tagmanifest_sha256": self.tagmanifest_sha256,
            "fingerprint": self.fingerprint,
            "problems": [p.to_json() for p in self.problems],
            "warnings": [p.to_json() for p in self.warnings],
        }


@dataclass
class Contents:
    """What a verification keeps for an import: journal files, checkpoints, media paths.

    Events are not kept (a bundle may carry millions): the importer reads each journal
    file again, in sequence order, and checks it still hashes to its manifest entry.
    """

    journals: dict[str, tuple[str, str]] = field(default_factory=dict)  # device -> rel, sha256
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, str] = field(default_factory=dict)  # sha256 -> bag path
