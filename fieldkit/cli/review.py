"""`fieldkit review list|done`: changes by colleagues to records they did not create.

An import applies a change (an update or a retraction) made by someone other than the
record's creator, and flags it for review (docs/trust-model.md, "Who may write what").
``list`` shows what waits; ``done ID`` records that this store's person has seen the
record's flagged changes (:meth:`fieldkit.store.Store.mark_reviewed`, a journal event).
"""

from __future__ import annotations

import argparse
from typing import Any

from fieldkit.cli.common import add_json, open_store, print_json
from fieldkit.safetext import escape


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "review",
        help="changes by colleagues to records they did not create, waiting for review",
        description="An imported update or retraction of a record by someone other than its "
        "creator is applied and flagged for review. List what waits, and mark a record's "
        "changes as seen (a journal event: who reviewed, when, with an optional note).",
    )
    review_sub = parser.add_subparsers(
        dest="review_command", metavar="REVIEW_COMMAND", required=True
    )
    p = review_sub.add_parser(
        "list",
        help="the changes waiting for review, oldest first",
        description="Every flagged change: record, operation, author's key, the record's "
        "creator's key, when (HLC) and the reason given (for a retraction).",
    )
    p.add_argument("id", nargs="?", metavar="ID", help="only this record")
    add_json(p)
    p.set_defaults(handler=cmd_list)
    p = review_sub.add_parser(
        "done",
        help="mark a record's flagged changes as reviewed",
        description="Record, as a journal event of this store, that you have seen every "
        "change to this record flagged for review. The change itself stays; to undo a "
        "retraction use `fieldkit KIND reinstate ID --reason …`, to undo an edit, edit.",
    )
    p.add_argument("id", metavar="ID", help="the record id")
    p.add_argument("--note", help="what you checked, e.g. 'confirmed with Anna by phone'")
    add_json(p)
    p.set_defaults(handler=cmd_done)


def cmd_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        items = store.reviews(args.id)
        names = _names(store)
    if args.json:
        print_json({"reviews": items})
        return 0
    if not items:
        print("nothing waits for review")
        return 0
    for r in items:
        who = names.get(r["author"], r["author"])
        creator = names.get(r["creator"] or "", r["creator"] or "unknown")
        line = f"{r['kind']} {r['id']}  {r['op']} by {who} (created by {creator})  {r['hlc'][:24]}"
        if r.get("reason"):
            line += f"  reason: {r['reason']}"
        print(escape(line))
    return 0


def cmd_done(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        cleared = store.mark_reviewed(args.id, args.note)
    if args.json:
        print_json({"id": args.id, "reviewed": cleared})
        return 0
    print(f"reviewed {len(cleared)} change(s) to {args.id}")
    return 0


def _names(store: Any) -> dict[str, str]:
    """Key fingerprint → identity, for the people this store trusts."""
    from fieldkit.crypto import trustlist
    from fieldkit.errors import FieldkitError

    try:
        return {s.fingerprint: s.identity for s in trustlist.list_trusted(store.keys_dir)}
    except FieldkitError:  # a key folder that cannot be used: show fingerprints
        return {}
