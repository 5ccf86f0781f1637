"""A bag's journal files and checkpoints: parsed line by line, chains and signatures checked.

A journal is parsed from the same blocks that are hashed (:class:`JournalFile` is fed
them); no event is kept, only the hashes checkpoints name. :func:`check_journals` then
judges every device's file against bag-info's ``FieldKit-Device`` lines and its signed
checkpoints (format: docs/bundle-format.md).
"""

from __future__ import annotations

from fieldkit import journal
from fieldkit.bundle.bag import CHECKPOINT_FILE, JOURNAL_DIR, Problem
from fieldkit.bundle.report import Contents, VerifyReport
from fieldkit.canonical import loads_bounded
from fieldkit.crypto import sshsig
from fieldkit.errors import ChainError, FieldkitError
from fieldkit.ids import device_id_for_key, is_key_bound_id


class JournalFile:
    """One device's journal, checked line by line as its blocks arrive; no event is kept.

    ``wanted`` are the sequence numbers whose hash and clock a checkpoint names (None:
    keep every one); only those are remembered, so memory does not grow with events.
    """

    def __init__(self, rel: str, device: str, wanted: set[int] | None = None) -> None:
        self.rel = rel
        self.device = device
        self.wanted = wanted
        self.buf = bytearray()
        self.line = 0
        self.stopped = False
        self.problems: list[Problem] = []
        self.first: int | None = None
        self.first_prev: str | None = None
        self.last: int | None = None
        self.last_hash: str | None = None
        self.hashes: dict[int, tuple[str, str]] = {}  # seq -> hash, hlc
        self.media: set[str] = set()
        self.device_keys: dict[str, str] = {}  # device id -> fingerprint, from device events
        self.authors: dict[str, int] = {}  # author fingerprint -> the first seq naming it
        self.count = 0
        # The bundle may start mid-chain (incremental): where it starts is checked by the
        # store that holds the earlier events, when it merges.
        self.walker = journal.ChainWalker(device, after=None)

    def _problem(self, message: str, check: str = "journal", seq: int | None = None) -> None:
        if len(self.problems) < 100:
            self.problems.append(
                Problem(check, message, path=self.rel, device=self.device, seq=seq)
            )
        elif len(self.problems) == 100:
            self.problems.append(Problem(check, "… more problems not listed", path=self.rel))

    def feed(self, block: bytes) -> None:
        if self.stopped:
            return
        self.buf += block
        start = 0
        while (nl := self.buf.find(b"\n", start)) >= 0:
            self._line(bytes(self.buf[start:nl]))
            start = nl + 1
        del self.buf[:start]
        if len(self.buf) > journal.MAX_EVENT_BYTES:
            self._problem(f"line {self.line + 1} is over {journal.MAX_EVENT_BYTES} bytes")
            self.stopped = True

    def finish(self) -> None:
        if self.buf and not self.stopped:
            self._problem("the last line has no line break")
            self._line(bytes(self.buf))
        self.buf = bytearray()

    def _line(self, data: bytes) -> None:
        self.line += 1
        n = self.line
        if not data:
            self._problem(f"line {n} is empty")
            return
        try:
            event = journal.parse_event(data)
        except ChainError as exc:
            self._problem(f"line {n}: {exc}")
            return
        self.count += 1
        if event.device != self.device:
            self._problem(f"line {n}: event of device {event.device} in this device's file")
        for broken in self.walker.step(event):
            self._problem(f"line {n}: {broken.message}", "chain", broken.seq)
        if self.first is None:
            self.first, self.first_prev = event.seq, event.prev
        self.last, self.last_hash = event.seq, event.hash
        self.authors.setdefault(str(event.body["author"]), event.seq)
        if self.wanted is None or event.seq in self.wanted:
            self.hashes[event.seq] = (event.hash, event.hlc)
        if event.kind == "media":
            sha = event.fields.get("sha256")
            if isinstance(sha, str):
                self.media.add(sha)
        elif event.kind == "device" and event.op == "create":
            fp = event.fields.get("fingerprint")
            if isinstance(fp, str):
                self.device_keys[event.entity] = fp


def check_journals(
    journals: dict[str, JournalFile],
    checkpoint_bytes: dict[str, bytes],
    info: dict[str, list[str]],
    report: VerifyReport,
    kept: Contents | None,
) -> None:
    problems = report.problems
    device_keys: dict[str, str] = {}
    for jf in journals.values():
        device_keys.update(jf.device_keys)
        report.events += jf.count
    declared = report.devices
    for device, jf in sorted(journals.items()):
        d = declared.get(device)
        if info and d is None:
            problems.append(
                Problem("bag-info", "no FieldKit-Device line for this file", path=jf.rel)
            )
        elif d is not None and jf.last is not None:
            if (d["first"], d["last"], d["head"]) != (jf.first, jf.last, jf.last_hash):
                problems.append(
                    Problem(
                        "bag-info",
                        f"carries {jf.first}-{jf.last} (head {str(jf.last_hash)[:12]}…) but "
                        f"bag-info says {d['first']}-{d['last']} ({d['head'][:12]}…)",
                        path=jf.rel,
                    )
                )
            if jf.first is not None and jf.first > 1:
                # An incremental bundle starts mid-chain; only a store holding the earlier
                # events (or the earlier bundle) can check this link.
                d["continues_from"] = {"seq": jf.first - 1, "hash": jf.first_prev}
    for device in sorted(set(declared) - set(journals)):
        problems.append(
            Problem(
                "missing", "bag-info lists it; it is absent", path=f"{JOURNAL_DIR}/{device}.jsonl"
            )
        )
    author_reported: set[tuple[str, str]] = set()
    for rel, data in sorted(checkpoint_bytes.items()):
        m = CHECKPOINT_FILE.match(rel)
        if not m:
            continue
        device = m.group(1)
        cj = journals.get(device)
        try:
            items = loads_bounded(data)
        except (UnicodeDecodeError, ValueError) as exc:
            problems.append(Problem("checkpoint", f"not UTF-8 JSON: {exc}", path=rel))
            continue
        if not isinstance(items, list):
            problems.append(Problem("checkpoint", "not a JSON list", path=rel))
            continue
        covered = False
        for n, cp in enumerate(items, 1):
            where = f"checkpoint {n}"
            if not isinstance(cp, dict) or cp.get("device") != device:
                problems.append(Problem("checkpoint", f"{where} is malformed", path=rel))
                continue
            try:
                signer_key = journal.checkpoint_key(cp)
                signer = sshsig.fingerprint(signer_key)
            except ChainError:
                problems.append(Problem("checkpoint", f"{where} is malformed", path=rel))
                continue
            except FieldkitError as exc:
                problems.append(
                    Problem("checkpoint", f"{where} (seq {cp['seq']}): {exc}", path=rel)
                )
                continue
            seq, head, hlc = cp["seq"], cp["head"], cp["hlc"]
            if is_key_bound_id(device) and (
                device_id_for_key(sshsig.public_key_blob(signer_key)) != device
            ):
                problems.append(
                    Problem(
                        "checkpoint",
                        f"{where} (seq {seq}) is signed by {signer}, but device {device}'s id "
                        "derives from another key: a chain forged under this device's id",
                        path=rel,
                        device=device,
                        seq=seq,
                    )
                )
                continue
            if cj is not None:
                for author, first in sorted(cj.authors.items()):
                    if author != signer and (device, author) not in author_reported:
                        author_reported.add((device, author))
                        problems.append(
                            Problem(
                                "author",
                                f"seq {first}: author {author[:60]!r} is not the key that "
                                f"signs this device's chain ({signer})",
                                path=cj.rel,
                                device=device,
                                seq=first,
                            )
                        )
            expected = device_keys.get(device)
            if expected is None:
                report.warnings.append(
                    Problem(
                        "device-key-unknown",
                        f"{where} (seq {seq}) is signed by {signer}; this "
                        "bundle does not carry the device's record, so its key is unknown here",
                        path=rel,
                    )
                )
            elif signer != expected:
                problems.append(
                    Problem(
                        "checkpoint",
                        f"{where} (seq {seq}) is signed by {signer}, "
                        f"not by the device's key {expected}",
                        path=rel,
                    )
                )
                continue
            if cj is not None and seq in cj.hashes:
                if cj.hashes[seq] != (head, hlc):
                    problems.append(
                        Problem(
                            "checkpoint", f"{where} does not match the event at seq {seq}", path=rel
                        )
                    )
                    continue
                covered = covered or seq == cj.last
            elif cj is None or cj.first is None or not cj.first <= seq <= (cj.last or 0):
                report.warnings.append(
                    Problem(
                        "checkpoint", f"{where} (seq {seq}) is outside the events carried", path=rel
                    )
                )
            if kept is not None:
                kept.checkpoints.append(dict(cp))
        if cj is not None and cj.last is not None and not covered:
            report.warnings.append(
                Problem(
                    "checkpoint",
                    f"no signed checkpoint covers the device's last event (seq {cj.last})",
                    path=cj.rel,
                )
            )
    for device, jf in journals.items():
        if f"{JOURNAL_DIR}/{device}.checkpoints.json" not in checkpoint_bytes and jf.count:
            report.warnings.append(
                Problem("checkpoint", "no checkpoints file for this device", path=jf.rel)
            )
