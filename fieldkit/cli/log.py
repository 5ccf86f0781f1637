"""`fieldkit log [ID]`: the journal, the chain of custody of a record or of the store."""

from __future__ import annotations

import argparse

from fieldkit.cli.common import add_json, open_store, print_json


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "log",
        help="the journal of a record or of the whole store",
        description="Show who changed what, when, on which device: the "
        "chain of custody of one record (with its links) or of the store.",
    )
    p.add_argument("id", nargs="?", help="a record id (default: the whole store)")
    p.add_argument("--limit", type=int, help="at most this many events")
    add_json(p)
    p.set_defaults(handler=cmd_log)


def cmd_log(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        events = store.history(args.id, limit=args.limit)
    if args.json:
        print_json({"events": events})
        return 0
    for e in events:
        who = e["author_name"] or e["author"]
        what = ", ".join(sorted(e["fields"])) if e["fields"] else (e["reason"] or "")
        print(
            f"{e['at']}  {who}  device {e['device'][:8]} #{e['seq']}  "
            f"{e['op']} {e['kind']} {e['entity'][:8]}  {what}"
        )
    return 0
