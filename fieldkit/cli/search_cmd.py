"""`fieldkit search TEXT`: every record and caption that matches (SQLite FTS5)."""

from __future__ import annotations

import argparse

from fieldkit.cli.common import add_json, open_store, print_json


def register(sub: argparse._SubParsersAction) -> None:
    from fieldkit.search import SEARCHED_KINDS

    p = sub.add_parser(
        "search",
        help="search sites, remnants, statements, captions and file names",
        description="Every record and caption matching all the words (each as a prefix; "
        "case and accents ignored), best first.",
    )
    p.add_argument("text", nargs="+", metavar="TEXT", help="the words to find")
    p.add_argument(
        "--kind", action="append", choices=SEARCHED_KINDS, help="only this kind (repeatable)"
    )
    p.add_argument("--limit", type=int, default=200, help="at most this many (default 200)")
    add_json(p)
    p.set_defaults(handler=cmd_search)


def cmd_search(args: argparse.Namespace) -> int:
    from fieldkit.search import search

    with open_store(args) as store:
        hits = search(store, " ".join(args.text), kinds=tuple(args.kind or ()), limit=args.limit)
    if args.json:
        print_json({"results": [h.to_json() for h in hits]})
        return 0
    for h in hits:
        print(f"{h.kind:<9} {h.id}  {h.title}  — {h.snippet}")
    if not hits:
        print("nothing found")
    return 0
