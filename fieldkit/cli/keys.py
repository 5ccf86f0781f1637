"""`fieldkit keys …`: show and export our public key, manage the people we trust."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from fieldkit.cli.common import (
    add_json,
    add_passphrase,
    home_of,
    open_store,
    print_json,
    read_passphrase,
)
from fieldkit.crypto import allowed_signers, keyfolder, keys, trustlist
from fieldkit.errors import FieldkitError, KeyFileError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "keys",
        help="show and export your public key; manage trusted keys",
        description="Your signing key and age key, and the people whose bundles you trust "
        "(an OpenSSH allowed_signers file in <home>/keys/). Compare fingerprints with "
        "their owner in person or by phone before trusting a key.",
    )
    keys_sub = parser.add_subparsers(dest="keys_command", metavar="KEYS_COMMAND", required=True)

    p = keys_sub.add_parser(
        "show",
        help="show your identity, fingerprint, public key and age recipient",
        description="Show this store's identity, signing key fingerprint (as ssh-keygen -l "
        "shows it), public key and age recipient.",
    )
    add_json(p)
    p.set_defaults(handler=cmd_show)

    p = keys_sub.add_parser(
        "export",
        help="write your public key for others to trust",
        description="Write your public key as an OpenSSH allowed_signers file, with your "
        "identity, fingerprint and age recipient as comments. Others import it with "
        "`fieldkit keys trust`; an auditor can give it to `ssh-keygen -Y verify -f`.",
    )
    p.add_argument("--out", metavar="FILE", help="write here (default: standard output)")
    add_passphrase(p)
    p.set_defaults(handler=cmd_export)

    p = keys_sub.add_parser(
        "trust",
        help="trust someone's exported public key",
        description="Add a key (a `fieldkit keys export` file, an allowed_signers line or an "
        "ssh-ed25519 .pub line) to your trusted signers. Repeating it changes nothing.",
    )
    p.add_argument("file", metavar="FILE", help="the exported key file ('-' for standard input)")
    p.add_argument(
        "--identity",
        metavar="ID",
        help="who this key belongs to, e.g. their e-mail (default: the name in the file)",
    )
    add_json(p)
    p.set_defaults(handler=cmd_trust)

    p = keys_sub.add_parser(
        "untrust",
        help="stop trusting a key",
        description="Remove the key with this fingerprint from your trusted signers. Your "
        "own key cannot be removed.",
    )
    p.add_argument("fingerprint", metavar="FINGERPRINT", help="SHA256:… as `keys list` shows")
    p.set_defaults(handler=cmd_untrust)

    p = keys_sub.add_parser(
        "revoke",
        help="revoke a key (a seized laptop) from a given time",
        description="Record that the key with this fingerprint must not be believed from "
        "TIME on (a laptop seized or lost). The revocation is a signed event of this store: "
        "it travels in your bundles, and every store that imports it holds back (keeps in "
        "the journal, does not show, reports) what that key signed from TIME on. Earlier "
        "events stay. The key is also removed from your trusted signers.",
    )
    p.add_argument("fingerprint", metavar="FINGERPRINT", help="SHA256:… as `keys list` shows")
    p.add_argument(
        "--from",
        dest="revoked_from",
        required=True,
        metavar="TIME",
        help="ISO 8601 time with offset or Z, e.g. 2026-11-28T06:00Z (when it was taken)",
    )
    p.add_argument("--reason", required=True, help="why, e.g. 'laptop seized at a checkpoint'")
    add_passphrase(p)
    add_json(p)
    p.set_defaults(handler=cmd_revoke)

    p = keys_sub.add_parser(
        "list",
        help="list trusted keys",
        description="List every trusted signer, your own key first.",
    )
    add_json(p)
    p.set_defaults(handler=cmd_list)

    p = keys_sub.add_parser(
        "recover",
        help="set a new passphrase with the recovery code (a forgotten passphrase)",
        description="Unlock an encrypted store with the recovery code shown at `init` or "
        "`store encrypt`, and set a new passphrase for the store key, the signing key and "
        "the age key. A new recovery code is shown; the old one stops working.",
    )
    p.add_argument("--recovery-code-file", metavar="FILE", help="else $FIELDKIT_RECOVERY_CODE")
    p.add_argument(
        "--new-passphrase-file",
        metavar="FILE",
        help="read the new passphrase from this file (else $FIELDKIT_NEW_PASSPHRASE, "
        "else a prompt)",
    )
    p.set_defaults(handler=cmd_recover)

    p = keys_sub.add_parser(
        "passwd",
        help="change the passphrase of your keys",
        description="Re-encrypt the signing key and the age key with a new passphrase. The "
        "current one comes from --passphrase-file, $FIELDKIT_PASSPHRASE or a prompt; the new "
        "one from --new-passphrase-file, $FIELDKIT_NEW_PASSPHRASE or a prompt.",
    )
    add_passphrase(p)
    p.add_argument(
        "--new-passphrase-file",
        metavar="FILE",
        help="read the new passphrase from this file (else $FIELDKIT_NEW_PASSPHRASE, "
        "else a prompt)",
    )
    p.set_defaults(handler=cmd_passwd)


def keys_dir_of(args: argparse.Namespace) -> Path:
    """``<home>/keys``, or :class:`KeyFileError` if it holds no signing key."""
    keys_dir = home_of(args) / "keys"
    if not keyfolder.keys_exist(keys_dir):
        raise KeyFileError(f"no keys in {keys_dir}: run `fieldkit init` first")
    return keys_dir


def _as_json(signer: allowed_signers.TrustedSigner, own_fingerprint: str) -> dict[str, Any]:
    doc = dataclasses.asdict(signer)
    doc["namespaces"] = list(signer.namespaces) if signer.namespaces is not None else None
    doc["own"] = signer.fingerprint == own_fingerprint
    return doc


def cmd_show(args: argparse.Namespace) -> int:
    me = keys.load_public(keys_dir_of(args))
    if args.json:
        print_json(dataclasses.asdict(me))
    else:
        print(f"Identity:      {me.identity}")
        print(f"Fingerprint:   {me.fingerprint}")
        print(f"Public key:    {me.public_key}")
        print(f"Age recipient: {me.age_recipient or '(none)'}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    keys_dir = keys_dir_of(args)
    if keys.load_public(keys_dir).age_recipient and keys.own_recipient_signature(keys_dir) is None:
        # A store made before the recipient was signed: sign it once.
        keys.sign_age_recipient(keys_dir, read_passphrase(args))
    text = trustlist.export_public(keys_dir)
    if not args.out:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise FieldkitError(f"cannot write {out}: {exc.strerror}") from exc
    me = keys.load_public(keys_dir_of(args))
    print(f"Wrote {out} ({me.identity}, {me.fingerprint})", file=sys.stderr)
    return 0


def _read_key_file(name: str) -> str:
    if name == "-":
        return sys.stdin.read(keyfolder.MAX_EXPORT + 1)
    path = Path(name)
    try:
        with path.open("rb") as fh:
            data = fh.read(keyfolder.MAX_EXPORT + 1)
    except OSError as exc:
        raise KeyFileError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise KeyFileError(f"{path} is not a text file; expected an exported key") from None


def cmd_trust(args: argparse.Namespace) -> int:
    keys_dir = keys_dir_of(args)
    text = _read_key_file(args.file)
    try:
        signer = trustlist.trust(keys_dir, text, identity=args.identity)
    except KeyFileError as exc:
        raise KeyFileError(f"{args.file}: {exc}") from None
    if args.json:
        print_json(_as_json(signer, keys.load_public(keys_dir).fingerprint))
    else:
        print(f"Trusted {signer.identity}")
        print(f"  fingerprint:   {signer.fingerprint}")
        if signer.age_recipient:
            print(f"  age recipient: {signer.age_recipient} (signed by this key)")
        else:
            print("  age recipient: (none)")
        print("Compare the fingerprint with its owner before relying on their bundles.")
    return 0


def cmd_untrust(args: argparse.Namespace) -> int:
    trustlist.untrust(keys_dir_of(args), args.fingerprint)
    print(f"No longer trusted: {args.fingerprint}")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from fieldkit.crypto.revocation import revoke

    with open_store(args) as store:
        record = revoke(store, args.fingerprint, args.revoked_from, args.reason)
    if args.json:
        print_json(record)
    else:
        print(f"Revoked {record['fingerprint']} from {record['revoked_from']}")
        print("  it travels in your next export; importers hold back what it signed since")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    keys_dir = keys_dir_of(args)
    own = keys.load_public(keys_dir).fingerprint
    signers = trustlist.list_trusted(keys_dir)
    if args.json:
        print_json({"keys": [_as_json(s, own) for s in signers]})
        return 0
    for s in signers:
        mark = "  (you)" if s.fingerprint == own else ""
        print(f"{s.fingerprint}  {s.identity}{mark}")
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    from fieldkit import atrest

    keys_dir = keys_dir_of(args)
    old = read_passphrase(args)
    new = read_passphrase(args, new=True)
    # A wrong old passphrase fails here or in change_passphrase, before anything is written.
    secrets = (
        atrest.unlock_store(keys_dir, old) if atrest.is_encrypted_home(keys_dir.parent) else None
    )
    keys.change_passphrase(keys_dir, old, new)
    if secrets is None:
        print("Passphrase changed for the signing key and the age key.")
        return 0
    atrest.rewrap_passphrase(keys_dir, secrets, new)
    secrets.wipe()
    print(
        "Passphrase changed for the signing key, the age key and the store key "
        "(the database and media keep their keys; nothing was re-encrypted)."
    )
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    from fieldkit import atrest

    keys_dir = keys_dir_of(args)
    code = _read_recovery_code(args)
    secrets, old = atrest.unlock_with_recovery_code(keys_dir, code)
    new = read_passphrase(args, new=True)
    keys.change_passphrase(keys_dir, old, new)
    fresh = atrest.rewrap_passphrase(keys_dir, secrets, new, recovery_code="new")
    secrets.wipe()
    print("The store, the signing key and the age key now open with the new passphrase.")
    print(f"NEW RECOVERY CODE (the old one no longer works; shown once): {fresh}")
    return 0


def _read_recovery_code(args: argparse.Namespace) -> str:
    import getpass
    import os

    if args.recovery_code_file:
        try:
            return Path(args.recovery_code_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise KeyFileError(f"cannot read {args.recovery_code_file}: {exc.strerror}") from exc
    if os.environ.get("FIELDKIT_RECOVERY_CODE"):
        return os.environ["FIELDKIT_RECOVERY_CODE"]
    if not sys.stdin.isatty():
        raise KeyFileError(
            "a recovery code is needed: --recovery-code-file, FIELDKIT_RECOVERY_CODE or a terminal"
        )
    return getpass.getpass("Recovery code: ")
