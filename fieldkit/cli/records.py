"""`fieldkit case|site|remnant|statement add|edit|list|show|retract|reinstate|resolve`, `conflicts`.

Options are made from the field specifications in :mod:`fieldkit.records`, so the CLI,
the GUI forms and validation never disagree about what a field is.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from fieldkit import records
from fieldkit.cli.common import add_json, open_store, print_json
from fieldkit.errors import ValidationError

ALIASES = {"case_id": ["--case"], "site_id": ["--site"]}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name in (*records.USER_KINDS, "camera", "munition"):
        kind = records.KINDS[name]
        p = sub.add_parser(
            name,
            help=f"add, edit, list, show and retract {kind.plural}",
            description=f"{kind.label} records.",
        )
        verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)

        v = verbs.add_parser("add", help=f"add a {name}", description=f"Add a {name}.")
        _field_options(v, kind, required=True)
        add_json(v)
        v.set_defaults(handler=cmd_add, kind=name)

        v = verbs.add_parser(
            "edit",
            help=f"change fields of a {name}",
            description=f"Change fields of a {name}; only the fields given.",
        )
        v.add_argument("id", help="the record id")
        _field_options(v, kind, required=False)
        v.add_argument(
            "--clear",
            action="append",
            default=[],
            metavar="FIELD",
            help="empty this field (repeatable)",
        )
        add_json(v)
        v.set_defaults(handler=cmd_edit, kind=name)

        v = verbs.add_parser(
            "list", help=f"list {kind.plural}", description=f"List {kind.plural}, oldest first."
        )
        if kind.parent:
            parent = kind.by_name[kind.parent]
            v.add_argument(f"--{parent.ref}", dest="parent_id", help=f"only in this {parent.ref}")
        v.add_argument("--all", action="store_true", help="include retracted records")
        add_json(v)
        v.set_defaults(handler=cmd_list, kind=name)

        v = verbs.add_parser(
            "show", help=f"show one {name}", description=f"Show one {name} with its conflicts."
        )
        v.add_argument("id", help="the record id")
        add_json(v)
        v.set_defaults(handler=cmd_show, kind=name)

        v = verbs.add_parser(
            "retract",
            help=f"withdraw a {name}, with a reason",
            description="Retract a record: it disappears from lists, its "
            "history and media stay as evidence.",
        )
        v.add_argument("id", help="the record id")
        v.add_argument("--reason", required=True, help="why it is withdrawn")
        add_json(v)
        v.set_defaults(handler=cmd_retract, kind=name)

        v = verbs.add_parser(
            "reinstate",
            help=f"bring a retracted {name} back, with a reason",
            description="Reinstate a retracted record (whoever retracted it): a new event; "
            "the retraction stays in its history.",
        )
        v.add_argument("id", help="the record id")
        v.add_argument("--reason", required=True, help="why it comes back")
        add_json(v)
        v.set_defaults(handler=cmd_reinstate, kind=name)

        v = verbs.add_parser(
            "resolve",
            help="settle a conflict on one field",
            description="Choose the value of a field that two devices changed concurrently.",
        )
        v.add_argument("id", help="the record id")
        v.add_argument("field", help="the field in conflict")
        v.add_argument("--value", required=True, help="the value to keep (JSON or text)")
        add_json(v)
        v.set_defaults(handler=cmd_resolve, kind=name)

        if name == "site":
            from fieldkit.cli.mapcmd import register_site_verbs

            register_site_verbs(verbs)

    p = sub.add_parser(
        "conflicts",
        help="list the fields in conflict",
        description="Fields changed concurrently on two devices, with every "
        "value kept, until a person resolves them.",
    )
    add_json(p)
    p.set_defaults(handler=cmd_conflicts)


def _field_options(p: argparse.ArgumentParser, kind: records.Kind, *, required: bool) -> None:
    for f in kind.fields:
        flag = "--" + f.name.replace("_", "-")
        names = [flag, *ALIASES.get(f.name, [])]
        help_text = f.label + (f" ({f.help})" if f.help else "")
        if f.choices:
            help_text += ": " + ", ".join(f.choices)
        if f.type in ("list", "names"):
            p.add_argument(
                *names, dest=f"f_{f.name}", action="append", help=help_text + " (repeatable)"
            )
        else:
            p.add_argument(
                *names, dest=f"f_{f.name}", help=help_text, required=required and f.required
            )


def _values(args: argparse.Namespace, kind: records.Kind) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in kind.fields:
        raw = getattr(args, f"f_{f.name}", None)
        if raw is None:
            continue
        if f.type == "bool":
            values[f.name] = {"true": True, "yes": True, "false": False, "no": False}.get(
                raw.lower(), raw
            )
        else:
            values[f.name] = raw
    for name in getattr(args, "clear", []):
        if name not in kind.by_name:
            raise ValidationError(f"{kind.name}: unknown field {name!r}")
        values[name] = None
    return values


def _print_record(record: dict[str, Any]) -> None:
    kind = records.KINDS[record["kind"]]
    print(f"{kind.label} {record['id']}")
    for f in kind.fields:
        value = record.get(f.name)
        if value not in (None, [], ""):
            print(f"  {f.label}: {value}")
    if record.get("retracted"):
        print(f"  RETRACTED: {record.get('retract_reason')}")
    for field_name, cands in (record.get("conflicts") or {}).items():
        shown = " | ".join(repr(c["value"]) for c in cands)
        print(f"  CONFLICT on {field_name}: {shown}")


def cmd_add(args: argparse.Namespace) -> int:
    kind = records.KINDS[args.kind]
    with open_store(args) as store:
        record = store.create(args.kind, _values(args, kind))
    if args.json:
        print_json(record)
    else:
        print(record["id"])
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    kind = records.KINDS[args.kind]
    values = _values(args, kind)
    if not values:
        raise ValidationError("nothing to change: give at least one field option")
    with open_store(args) as store:
        store.get(args.id, args.kind)
        record = store.update(args.id, values)
        carried = []
        if values.get("consent") == "withdrawn":
            from fieldkit.release import releases_carrying

            carried = releases_carrying(store, args.id)
    if args.json:
        if carried:
            record = {**record, "published_in": carried}
        print_json(record)
    else:
        _print_record(record)
    for pub in carried:
        print(
            f"note: consent withdrawn, but public release {pub['identifier']} of "
            f"{pub['released_at']} already carried this statement; it will be in no later "
            "release or public output",
            file=sys.stderr,
        )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    kind = records.KINDS[args.kind]
    where = {}
    if getattr(args, "parent_id", None):
        where[kind.parent or ""] = args.parent_id
    with open_store(args) as store:
        items = store.find(args.kind, where=where, include_retracted=args.all)
    if args.json:
        print_json({kind.plural: items})
    else:
        for r in items:
            flag = " [retracted]" if r["retracted"] else (" [conflict]" if r["conflict"] else "")
            print(f"{r['id']}  {r.get(kind.title_field) or ''}{flag}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        record = store.get(args.id, args.kind)
    if args.json:
        print_json(record)
    else:
        _print_record(record)
    return 0


def cmd_retract(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        store.get(args.id, args.kind)
        record = store.retract(args.id, args.reason)
    if args.json:
        print_json(record)
    else:
        print(f"retracted {record['id']}")
    return 0


def cmd_reinstate(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        store.get(args.id, args.kind)
        record = store.reinstate(args.id, args.reason)
    if args.json:
        print_json(record)
    else:
        print(f"reinstated {record['id']}")
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    import json

    kind = records.KINDS[args.kind]
    f = kind.by_name.get(args.field)
    if f is None:
        raise ValidationError(f"{kind.name}: unknown field {args.field!r}")
    value: Any = args.value
    if f.type in ("list", "names", "int", "float", "bool"):
        try:
            value = json.loads(args.value)
        except ValueError:
            value = args.value
    with open_store(args) as store:
        store.get(args.id, args.kind)
        record = store.resolve(args.id, args.field, value)
    if args.json:
        print_json(record)
    else:
        print(f"resolved {args.field} of {record['id']}")
    return 0


def cmd_conflicts(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        items = store.all_conflicts()
    if args.json:
        print_json({"conflicts": items})
    else:
        for c in items:
            values = " | ".join(repr(x["value"]) for x in c["candidates"])
            print(f"{c['kind']} {c['id']} {c['field']}: {values}")
        if not items:
            print("no conflicts")
    return 0
