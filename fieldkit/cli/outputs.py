"""`fieldkit gis export` and `fieldkit report`: outputs for an audience."""

from __future__ import annotations

import argparse
from pathlib import Path

from fieldkit.cli.common import (
    add_json,
    add_passphrase,
    open_store,
    print_json,
    read_passphrase,
    terminal_progress,
)


def _audience_options(p: argparse.ArgumentParser) -> None:
    from fieldkit.audience import AUDIENCES, DEFAULT_GRID_M, INCLUDE_CHOICES

    p.add_argument("--case", dest="case_id", metavar="ID", help="only this case")
    p.add_argument(
        "--audience",
        choices=AUDIENCES,
        default="internal",
        help="internal (default): everything but restricted/confidential statement text "
        "and sensitive media; public: exactly what the public release would publish",
    )
    p.add_argument(
        "--include",
        choices=INCLUDE_CHOICES,
        help="internal only: also carry restricted (or restricted and confidential) content",
    )
    p.add_argument(
        "--generalise-m",
        type=int,
        default=DEFAULT_GRID_M,
        metavar="N",
        help=f"public only: grid for sensitive positions, metres (default {DEFAULT_GRID_M})",
    )
    p.add_argument(
        "--to",
        nargs="+",
        default=[],
        metavar="FINGERPRINT",
        help="encrypt the output with age to these trusted colleagues (key fingerprint "
        "SHA256:…, identity, or an age1… recipient): writes FILE.age",
    )
    p.add_argument(
        "--plaintext",
        "--allow-sensitive",  # the flag's name before the disclosure rule covered outputs
        dest="plaintext",
        action="store_true",
        help="write restricted/confidential content (from --include) unencrypted; without "
        "it, such an output needs --to",
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from fieldkit.gis import FORMATS

    p = sub.add_parser(
        "gis",
        help="GIS and spreadsheet files: GeoJSON, KML, KMZ, GPX, GeoPackage, CSV",
        description="Files for QGIS, Google Earth, handheld GPS units and spreadsheets.",
    )
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    v = verbs.add_parser(
        "export",
        help="write the sites, remnants, photos (and footprints) layers",
        description="Write the layers of a case for an audience. The audience is added to "
        "the file name (case.gpkg → case-internal.gpkg) and stated in the file's metadata. "
        "geojson and csv write a folder with one file per layer. An output that carries "
        "restricted or confidential content (--include) is encrypted to a trusted colleague "
        "(--to: FILE.age, a folder as FOLDER.zip.age, opened with the stock age tool) or "
        "written plain only with --plaintext.",
    )
    v.add_argument("--format", required=True, choices=FORMATS, help="the file format")
    v.add_argument("--out", required=True, metavar="PATH", help="where to write")
    _audience_options(v)
    add_json(v)
    v.set_defaults(handler=cmd_gis_export)

    p = sub.add_parser(
        "report",
        help="the case report: a signed PDF",
        description="Write the case report as PDF for an audience, signed beside it "
        "(FILE.pdf.sig, SSHSIG namespace fieldkit-report@v1: check it with "
        "ssh-keygen -Y verify). The audience is added to the file name. The same store "
        "state gives the same bytes. A report that carries restricted or confidential "
        "content (--include) is encrypted to a trusted colleague (--to: FILE.pdf.age; the "
        "signature beside it covers the PDF inside) or written plain only with --plaintext.",
    )
    p.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write")
    _audience_options(p)
    p.set_defaults(case_required=True)
    add_passphrase(p)
    add_json(p)
    p.set_defaults(handler=cmd_report)


def _audience(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from fieldkit.audience import Audience

    return Audience(args.audience, args.include, args.generalise_m)


def _print_carries(carries: dict[str, object], recipients: list[str]) -> None:
    if recipients:
        print(f"  encrypted to {', '.join(recipients)}")
    if carries.get("sensitive"):
        how = "encrypted" if recipients else "UNENCRYPTED (--plaintext)"
        print(f"  carries      {carries['description']}; {how}")


def cmd_gis_export(args: argparse.Namespace) -> int:
    from fieldkit.gis import export_gis

    audience = _audience(args)
    with open_store(args) as store, terminal_progress("exporting") as progress:
        report = export_gis(
            store,
            args.format,
            Path(args.out),
            audience=audience,
            case_id=args.case_id,
            recipients=args.to,
            plaintext=args.plaintext,
            progress=progress,
        )
    if args.json:
        print_json(report.to_json())
        return 0
    counts = ", ".join(f"{n} {name}" for name, n in report.layers.items())
    print(f"wrote {report.path} ({report.format}, {audience.tag}): {counts}")
    _print_carries(report.carries, report.recipients)
    for item in report.held_back:
        print(f"  held back {item['kind']} {item['id']}: {item['reason']}")
    for note in report.notes:
        print(f"  note: {note}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from fieldkit.errors import ValidationError
    from fieldkit.report import write_report

    if not args.case_id:
        raise ValidationError("--case ID is required: a report is about one case")
    audience = _audience(args)
    passphrase = read_passphrase(args)
    with open_store(args) as store, terminal_progress("report", unit="photo") as progress:
        result = write_report(
            store,
            Path(args.out),
            case_id=args.case_id,
            passphrase=passphrase,
            audience=audience,
            recipients=args.to,
            plaintext=args.plaintext,
            progress=progress,
        )
    if args.json:
        print_json(result.to_json())
        return 0
    print(
        f"wrote {result.path} ({audience.tag}, {result.pages} pages, {result.photos} photos) "
        f"and {result.signature}"
    )
    _print_carries(result.carries, result.recipients)
    for item in result.held_back:
        print(f"  held back {item['kind']} {item['id']}: {item['reason']}")
    for note in result.notes:
        print(f"  note: {note}")
    return 0
