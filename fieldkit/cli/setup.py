"""`fieldkit init` and `fieldkit checkpoint`, `fieldkit chain`, `fieldkit rebuild`."""

from __future__ import annotations

import argparse
import sys

from fieldkit.cli.common import (
    add_json,
    add_passphrase,
    home_of,
    open_store,
    print_json,
    read_passphrase,
    terminal_progress,
)
from fieldkit.safetext import escape


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "init",
        help="create the store and the investigator's signing key",
        description="Create the store folder, the person, this device and an "
        "Ed25519 signing key protected by a passphrase.",
    )
    p.add_argument("--name", required=True, help="your display name")
    p.add_argument("--email", required=True, help="your identity, e.g. an e-mail address")
    p.add_argument("--org", help="your organisation")
    p.add_argument("--device-name", help="a name for this laptop (default: its host name)")
    p.add_argument(
        "--unencrypted",
        action="store_true",
        help="do not encrypt the store (the database, photos and thumbnails stay readable "
        "to whoever holds the disk); encrypt it later with `fieldkit store encrypt`",
    )
    add_passphrase(p)
    add_json(p)
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser(
        "store",
        help="the store itself: encrypt an unencrypted store",
        description="Operations on the store folder as a whole.",
    )
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    v = verbs.add_parser(
        "encrypt",
        help="encrypt an unencrypted store (crash-safe, resumable)",
        description="Encrypt the database (SQLCipher), every original and thumbnail (age) "
        "of a store made with --unencrypted or by an earlier FieldKit, under your "
        "passphrase. The plaintext is removed only after the encrypted copy is checked and "
        "switched in; if the command is interrupted, the store still opens (as it was, or "
        "encrypted) and running it again finishes. A recovery code is shown: keep it "
        "offline, it is the only way back from a forgotten passphrase.",
    )
    add_passphrase(v)
    add_json(v)
    v.set_defaults(handler=cmd_store_encrypt)

    p = sub.add_parser(
        "checkpoint",
        help="sign this device's journal head",
        description="Sign the head of this device's journal chain with the "
        "signing key, so later edits of the history are detectable.",
    )
    add_passphrase(p)
    add_json(p)
    p.set_defaults(handler=cmd_checkpoint)

    p = sub.add_parser(
        "chain",
        help="verify the journal chains and checkpoints of the store",
        description="Check every device chain in the store: edited bytes, "
        "gaps, forks, reordering and checkpoint signatures.",
    )
    add_json(p)
    p.set_defaults(handler=cmd_chain)

    p = sub.add_parser(
        "rebuild",
        help="rebuild the tables from the journal",
        description="Drop the record tables and replay the journal.",
    )
    add_json(p)
    p.set_defaults(handler=cmd_rebuild)


def cmd_init(args: argparse.Namespace) -> int:
    from fieldkit.store import Store

    passphrase = read_passphrase(args, confirm=True)
    store = Store.init(
        home_of(args),
        name=args.name,
        email=args.email,
        organisation=args.org,
        passphrase=passphrase,
        device_name=args.device_name,
        encrypted=not args.unencrypted,
    )
    with store:
        ident = store.identity()
        code = store.recovery_code
    if args.unencrypted:
        print(
            "fieldkit: warning: this store is NOT encrypted: whoever holds the disk can read "
            "its records, photos and thumbnails. Encrypt it with `fieldkit store encrypt`.",
            file=sys.stderr,
        )
    if args.json:
        print_json({**ident, "encrypted": code is not None, "recovery_code": code})
    else:
        print(f"Store created in {ident['home']}")
        print(f"Signing key fingerprint: {ident['fingerprint']}")
        if code:
            _print_recovery_code(code)
    return 0


def _print_recovery_code(code: str) -> None:
    print("The store is encrypted with your passphrase.")
    print(f"RECOVERY CODE: {code}")
    print(
        "Write it down now and give it to your organisation to keep offline, away from this "
        "laptop. It is shown only this once. If the passphrase is forgotten, this code "
        "(`fieldkit keys recover`) is the only way back: nobody can open the store without one "
        "of them."
    )


def cmd_store_encrypt(args: argparse.Namespace) -> int:
    from fieldkit.atrest.convert import encrypt_store

    passphrase = read_passphrase(args)
    shown: list[str] = []

    def show(code: str) -> None:
        shown.append(code)
        if not args.json:
            _print_recovery_code(code)
            sys.stdout.flush()

    with terminal_progress("encrypting", enabled=not args.json) as progress:
        report = encrypt_store(home_of(args), passphrase, progress=progress, on_recovery_code=show)
    if args.json:
        print_json(report.to_json())
    elif report.already_encrypted:
        print(f"The store is already encrypted; {report.plaintext_removed} plain files removed.")
    else:
        print(
            f"Encrypted: the database, {report.originals_sealed + report.originals_kept} "
            f"originals and {report.thumbnails_sealed} thumbnails; "
            f"{report.plaintext_removed} plain files removed."
        )
    return 0


def cmd_checkpoint(args: argparse.Namespace) -> int:
    passphrase = read_passphrase(args)
    with open_store(args) as store:
        cp = store.checkpoint(passphrase)
    if args.json:
        print_json(cp)
    else:
        print(f"Signed device {cp['device']} up to event {cp['seq']} ({cp['head'][:16]}…)")
    return 0


def cmd_chain(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        problems = store.verify_chain()
        heads = store.chain_heads()
    if args.json:
        print_json(
            {
                "ok": not problems,
                "devices": {d: {"seq": s, "head": h} for d, (s, h) in heads.items()},
                "problems": [p.to_json() for p in problems],
            }
        )
    else:
        for dev, (seq, head) in sorted(heads.items()):
            print(f"device {dev}: {seq} events, head {head[:16]}…")
        for p in problems:
            print(f"PROBLEM {escape(p)}")
        print("chain OK" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 1


def cmd_rebuild(args: argparse.Namespace) -> int:
    with open_store(args) as store, terminal_progress("rebuilding", unit="event") as progress:
        n = store.rebuild_projection(progress=progress)
    if args.json:
        print_json({"events": n})
    else:
        print(f"Rebuilt the tables from {n} events")
    return 0
