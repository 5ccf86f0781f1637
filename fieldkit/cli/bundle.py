"""`fieldkit export`, `fieldkit verify`, `fieldkit import`: signed bundles on the command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from fieldkit.cli.common import (
    add_json,
    add_passphrase,
    home_of,
    open_store,
    print_json,
    read_passphrase,
    terminal_progress,
)
from fieldkit.errors import BundleError, StoreNotFound
from fieldkit.paths import DB_NAME
from fieldkit.problems import Problem
from fieldkit.safetext import escape


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export",
        help="write a signed bundle (BagIt) of what you have not exported before",
        description="Write a signed BagIt bundle: the journal, the original files and "
        "readable views, signed with your key. Incremental by default (what this store has "
        "not exported before); --full for everything. Nothing is left behind on failure.",
    )
    p.add_argument("--out", required=True, metavar="PATH", help="the bundle to write")
    p.add_argument("--full", action="store_true", help="everything, not only what is new")
    p.add_argument("--zip", action="store_true", help="one .zip file instead of a folder")
    p.add_argument(
        "--to",
        nargs="+",
        default=[],
        metavar="RECIPIENT",
        help="encrypt the zip to these people (age1… recipients, or identities of "
        "trusted people): writes PATH.zip.age",
    )
    p.add_argument(
        "--plaintext",
        action="store_true",
        help="write the bundle unencrypted even though it carries restricted or "
        "confidential statements or media (without it, such a bundle needs --to)",
    )
    add_passphrase(p)
    add_json(p)
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser(
        "verify",
        help="check a bundle: checksums, signature, trust, journal, media",
        description="Check a bundle folder, .zip or .zip.age and report every problem. "
        "Exit status 0 only if every check passes, including that the signer is trusted: "
        "by --trust FILE (an allowed_signers file), else by this store's trusted keys, "
        "else nobody (then a valid signature is still reported as untrusted).",
    )
    p.add_argument("path", metavar="PATH", help="the bundle folder, .zip or .zip.age")
    p.add_argument("--trust", metavar="FILE", help="an OpenSSH allowed_signers file")
    p.add_argument(
        "--no-record",
        action="store_true",
        help="do not record the verification as a custody event in this store's journal",
    )
    add_passphrase(p)
    add_json(p)
    p.set_defaults(handler=cmd_verify)

    p = sub.add_parser(
        "import",
        help="verify a bundle, then merge it into this store",
        description="Verify a bundle against your trusted keys, copy its original files, "
        "then merge its journal in one transaction. Reports new and changed records and "
        "conflicts. Importing the same bundle twice changes nothing.",
    )
    p.add_argument("path", metavar="PATH", help="the bundle folder, .zip or .zip.age")
    p.add_argument(
        "--accept-untrusted",
        action="store_true",
        help="import even though the signer's key is not trusted (recorded in the journal)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="verify and show what the merge would add, change and put in conflict; write nothing",
    )
    add_passphrase(p)
    add_json(p)
    p.set_defaults(handler=cmd_import)


def _problem_lines(problems: Sequence[Problem], warnings: Sequence[Problem]) -> None:
    for p in problems:
        print(f"  FAIL {escape(p)}")
    for p in warnings:
        print(f"  warn {escape(p)}")


def cmd_export(args: argparse.Namespace) -> int:
    from fieldkit.bundle import export_bundle

    with open_store(args) as store:
        passphrase = read_passphrase(args)
        with terminal_progress("export", enabled=not args.json) as progress:
            report = export_bundle(
                store,
                Path(args.out),
                passphrase=passphrase,
                full=args.full,
                zip=args.zip,
                recipients=args.to,
                plaintext=args.plaintext,
                progress=progress,
            )
    if args.json:
        print_json(report.to_json())
    else:
        print(f"wrote {report.path}")
        print(f"  bundle       {report.bundle_id}")
        print(f"  events       {report.events}, original files {report.media_files}")
        print(f"  signed by    {report.signer_identity} ({report.signer})")
        print(f"  fingerprint  {report.fingerprint}")
        if report.carries.get("sensitive"):
            how = "encrypted" if report.recipients else "UNENCRYPTED (--plaintext)"
            print(f"  carries      {report.carries['description']}; {how}")
        print("  (read the fingerprint to the recipient so they can check what they receive)")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from fieldkit.bundle import verify_bundle, verify_on_store

    home = home_of(args)
    on_store = (home / DB_NAME).is_file()
    trust = Path(args.trust) if args.trust else None
    path = Path(args.path)
    passphrase = None
    if path.is_file() and path.name.endswith(".age"):
        if not on_store:
            raise StoreNotFound(f"{path.name} is encrypted; its recipient's store is needed")
        passphrase = read_passphrase(args)
    with terminal_progress("verify", enabled=not args.json) as progress:
        if on_store:
            with open_store(args) as store:
                report = verify_on_store(
                    store,
                    path,
                    trust=trust,
                    passphrase=passphrase,
                    record=not args.no_record,
                    progress=progress,
                )
        else:
            report = verify_bundle(path, trust=trust, progress=progress)
    doc = report.to_json()
    if args.json:
        print_json(doc)
    else:
        print(f"{'OK  ' if report.ok else 'FAIL'} {escape(report.path)}")
        signer = report.signer
        if signer:
            trusted = signer.get("trusted_as") or "NOT TRUSTED"
            print(
                f"  signed by    {escape(signer.get('identity'))} ({signer.get('fingerprint')}): "
                f"{escape(trusted)}"
            )
        print(f"  bundle       {escape(report.bundle_id)}  ({escape(report.export)})")
        print(f"  files        {report.files}, events {report.events}, media {report.media_files}")
        if report.fingerprint:
            print(f"  fingerprint  {report.fingerprint}")
        _problem_lines(report.problems, report.warnings)
    if not report.ok:
        first = report.problems[0]
        raise BundleError(
            f"verification failed: {len(report.problems)} problem(s); first: {escape(first)}"
        )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from fieldkit.bundle import import_bundle

    path = Path(args.path)
    with open_store(args) as store:
        passphrase = None
        if path.is_file() and path.name.endswith(".age"):
            passphrase = read_passphrase(args)
        with terminal_progress("import", enabled=not args.json) as progress:
            report = import_bundle(
                store,
                path,
                accept_untrusted=args.accept_untrusted,
                passphrase=passphrase,
                progress=progress,
                dry_run=args.dry_run,
            )
    doc = report.to_json()
    if args.json:
        print_json(doc)
    else:
        done = "would import (dry run, nothing written)" if report.preview else "imported"
        print(f"{done if report.ok else 'REFUSED'} {escape(report.path)}")
        print(f"  new events {report.new_events}, already present {report.already_present}")
        for bucket in ("new_records", "changed_records"):
            for kind, ids in sorted(doc[bucket].items()):
                print(f"  {bucket.replace('_', ' ')}: {kind} {len(ids)}")
        for c in report.conflicts:
            print(f"  CONFLICT {c['kind']} {c['id']} {c['field']}: {escape(c['values'])}")
        for r in report.reviews:
            print(f"  REVIEW {r['kind']} {r['id']}: {r['op']} by {r['author']}, not its creator")
        for i in report.invalid:
            print(
                f"  INVALID device {i['device']} seq {i['seq']} ({i['kind']} {i['id']}): "
                f"{escape(i['reason'])}; kept in the journal, not shown"
            )
        for h in report.held_back:
            print(
                f"  HELD BACK device {h['device']} seq {h['seq']}: {escape(h['reason'])}; "
                "kept in the journal, not shown"
            )
        for w in report.waiting:
            print(f"  WAITING {w['kind']} {w['id']}: {w['field']} {w['waiting_for']} not here yet")
        _problem_lines(report.problems, report.warnings)
    if not report.ok:
        first = report.problems[0] if report.problems else None
        reason = escape(first) if first else "nothing merged"
        raise BundleError(f"import refused: {reason}")
    return 0
