"""`fieldkit media import|check|list|show|edit|save|link|unlink|geotag|suggest|thumbnails`: a
face on ingest, thumbnails, geotag and suggest.

Why one module: each verb is only its argument parsing and its printing over one core call;
the parsers are registered together so `fieldkit media --help` reads as one command.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from fieldkit.cli.common import add_json, open_store, print_json, terminal_progress
from fieldkit.progress import CancelToken
from fieldkit.safetext import escape

# The media fields a person decides; the rest is what the file itself says.
MEDIA_EDITABLE = ("release", "sensitivity", "caption", "redactions")

IMPORT_EPILOG = """\
Exit status: 0 when the batch ran, even if some files were rejected (each with its
reason in the summary) or the import was cancelled with Ctrl-C (what finished stays);
non-zero when a path does not exist, the site is unknown or there is no store.
A zero-byte or unreadable file is rejected; a damaged photo (truncated, corrupt EXIF)
is kept as evidence with a warning. Hidden files and system junk (.DS_Store,
Thumbs.db) inside folders are skipped; symbolic links out of a folder are not followed.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "media",
        help="import photos and other files, list, show, link and suggest sites",
        description="Photos, videos, audio and documents kept as evidence: each file is "
        "stored byte for byte under its SHA-256, with what its metadata says.",
    )
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)

    v = verbs.add_parser(
        "import",
        help="import files and folders",
        description="Import files and folders (recursively). Prints a summary of the "
        "imported, duplicate and rejected files with reasons.",
        epilog=IMPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    v.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to import")
    v.add_argument("--site", help="link every imported (and duplicate) file to this site")
    v.add_argument(
        "--workers", type=int, help="parallel workers for copying and reading (default: auto)"
    )
    v.add_argument("--serial", action="store_true", help="one file at a time, no worker pool")
    v.add_argument(
        "--no-thumbnails",
        dest="thumbnails",
        action="store_false",
        help="skip thumbnails (faster; make them later with `fieldkit media thumbnails`)",
    )
    v.add_argument(
        "--fast-previews",
        action="store_true",
        help="first thumbnails from the photos' embedded previews, as the app imports; the "
        "full decode check (which finds a truncated photo) is left for `fieldkit media check`",
    )
    add_json(v)
    v.set_defaults(handler=cmd_import)

    v = verbs.add_parser(
        "check",
        help="decode the photos imported with --fast-previews (finds broken ones)",
        description="The full decode check of photos whose thumbnail came from their "
        "embedded preview: each is decoded, its thumbnail remade from the photo itself, and "
        "a photo that cannot be decoded gets a warning in its record. Safe to stop with "
        "Ctrl-C and run again.",
    )
    add_json(v)
    v.set_defaults(handler=cmd_check)

    v = verbs.add_parser("list", help="list media", description="List media records, oldest first.")
    v.add_argument("--site", help="only the media linked to this site")
    v.add_argument("--all", action="store_true", help="include retracted media")
    add_json(v)
    v.set_defaults(handler=cmd_list)

    v = verbs.add_parser(
        "show",
        help="show one media record",
        description="Show one media record with its links and where its file is.",
    )
    v.add_argument("id", help="the media id")
    add_json(v)
    v.set_defaults(handler=cmd_show)

    v = verbs.add_parser(
        "edit",
        help="mark a media file for release, set its sensitivity, change its caption",
        description="Change what a person decides about a media file: whether it may be "
        "published (--release yes) and its caption. What the file says (capture time, "
        "position, camera) stays as read; the original is never touched.",
    )
    v.add_argument("id", help="the media id")
    v.add_argument(
        "--release",
        choices=("yes", "no"),
        help="yes: it may appear in the public release and public outputs (default no)",
    )
    v.add_argument(
        "--sensitivity",
        choices=("public", "restricted", "confidential"),
        help="as for statements (a photo of a witness's face is confidential); a bundle "
        "carrying restricted or confidential media must be encrypted to a trusted colleague "
        "or exported with --plaintext",
    )
    v.add_argument("--caption", help="what the file shows")
    v.add_argument(
        "--redact",
        dest="redact",
        action="append",
        metavar="X,Y,W,H",
        help="a rectangle to black out in every published copy, in pixels of the upright "
        "photo (repeat for several; replaces the list)",
    )
    v.add_argument(
        "--clear-redactions", action="store_true", help="remove every redaction rectangle"
    )
    add_json(v)
    v.set_defaults(handler=cmd_edit)

    v = verbs.add_parser(
        "link",
        help="link a media file to a site, remnant or statement",
        description="Link a media file to a site, a remnant or a statement, with a "
        "caption. Linking an already linked pair changes nothing but its caption, when "
        "--caption is given.",
    )
    v.add_argument("id", help="the media id")
    _target_options(v)
    v.add_argument("--caption", help="what the photo shows there")
    add_json(v)
    v.set_defaults(handler=cmd_link)

    v = verbs.add_parser(
        "save",
        help="write the original bytes of a media file to a file",
        description="Decrypt (in an encrypted store) and write the original file, byte for "
        "byte, to --out; prints its SHA-256. The file is yours to protect afterwards.",
    )
    v.add_argument("id", help="the media id")
    v.add_argument("--out", required=True, metavar="PATH", help="a new file (never replaced)")
    add_json(v)
    v.set_defaults(handler=cmd_save)

    v = verbs.add_parser(
        "unlink",
        help="unlink a media file from a site, remnant or statement",
        description="Retract the link between a media file and a record; the file and "
        "the link's history stay in the store.",
    )
    v.add_argument("id", help="the media id")
    _target_options(v)
    v.add_argument("--reason", default="unlinked", help="why (kept in the journal)")
    add_json(v)
    v.set_defaults(handler=cmd_unlink)

    v = verbs.add_parser(
        "geotag",
        help="give photos without a position the position of a GPS track at their time",
        description="Match each photo or video without a position to a GPS track (GPX) by "
        "its capture time in UTC (after the camera's clock correction) and record the "
        "position interpolated between the fixes around it (source 'track', with an "
        "accuracy that grows with the time to the nearer fix). Photos before or after the "
        "track, or between fixes further apart than --max-gap-s, are reported and left as "
        "they are. Each position is a journal event; --undo takes them all back.",
    )
    v.add_argument("--track", required=True, type=Path, metavar="FILE.gpx", help="a GPX file")
    v.add_argument(
        "--max-gap-s",
        type=float,
        default=300.0,
        metavar="N",
        help="never interpolate between fixes more than N seconds apart (default 300)",
    )
    v.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    v.add_argument(
        "--undo",
        action="store_true",
        help="take back every position that came from a track (the --track file is not read)",
    )
    add_json(v)
    v.set_defaults(handler=cmd_geotag)

    v = verbs.add_parser(
        "suggest",
        help="suggest sites for photos by their GPS position",
        description="Suggest the nearest site for each photo with a position, and new "
        "sites for groups of photos far from every site. Nothing is changed.",
    )
    v.add_argument(
        "--distance", type=float, default=250.0, metavar="M", help="metres (default 250)"
    )
    v.add_argument(
        "--gap-hours",
        type=float,
        default=6.0,
        metavar="H",
        help="hours between photos of one proposed site (default 6)",
    )
    add_json(v)
    v.set_defaults(handler=cmd_suggest)

    v = verbs.add_parser(
        "thumbnails",
        help="rebuild missing thumbnails",
        description="Make the thumbnails that are missing from the cache (all with --force).",
    )
    v.add_argument("--force", action="store_true", help="remake every thumbnail")
    add_json(v)
    v.set_defaults(handler=cmd_thumbnails)


def _target_options(v: argparse.ArgumentParser) -> None:
    group = v.add_mutually_exclusive_group(required=True)
    group.add_argument("--site", help="a site id")
    group.add_argument("--remnant", help="a remnant id")
    group.add_argument("--statement", help="a statement id")


def _target(args: argparse.Namespace, store: Any) -> str:
    for kind in ("site", "remnant", "statement"):
        target = getattr(args, kind, None)
        if target:
            store.get(target, kind)
            return str(target)
    raise AssertionError("argparse requires one target")


@contextmanager
def _ctrl_c_cancels(token: CancelToken) -> Iterator[None]:
    """Ctrl-C sets the token (a clean stop between files); a second Ctrl-C interrupts."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if token.cancelled:
            raise KeyboardInterrupt
        token.cancel()
        print("\nfieldkit: cancelling after the files in progress…", file=sys.stderr)

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def cmd_import(args: argparse.Namespace) -> int:
    from fieldkit.ingest import import_media
    from fieldkit.thumbnails import pending_checks

    token = CancelToken()
    with (
        open_store(args) as store,
        terminal_progress("importing") as progress,
        _ctrl_c_cancels(token),
    ):
        report = import_media(
            store,
            [Path(p) for p in args.paths],
            site_id=args.site,
            progress=progress,
            cancel=token,
            workers=args.workers,
            serial=args.serial,
            thumbnails=args.thumbnails,
            fast_previews=args.fast_previews,
        )
        pending = len(pending_checks(store)) if args.fast_previews else 0
    if args.json:
        print_json({**report.to_json(), "pending_checks": pending})
        return 0
    doc = report.to_json()
    c = doc["counts"]
    print(
        f"imported {c['imported']} ({c['with_warnings']} with warnings), "
        f"duplicates {c['duplicates']}, rejected {c['rejected']}, skipped {c['skipped']}"
        + (" — cancelled" if report.cancelled else "")
    )
    if pending:
        print(
            f"  {pending} photos shown by their embedded preview wait for the full decode "
            "check: run `fieldkit media check`"
        )
    for item in report.imported:
        for w in item["warnings"]:
            print(f"  warning  {escape(item['path'])}: {escape(w)}")
    for problem in report.rejected:
        print(f"  rejected {escape(problem.path)}: {escape(problem.message)}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from fieldkit.thumbnails import check_pending

    token = CancelToken()
    with (
        open_store(args) as store,
        terminal_progress("checking") as progress,
        _ctrl_c_cancels(token),
    ):

        def found(row: dict[str, Any], reason: str) -> None:
            # Said as soon as it is found, not after the last photo.
            if args.json:
                return
            name = escape(str(row.get("file_name") or row.get("sha256")))
            line = f"  cannot be decoded: {row['id']} {name}: {escape(reason)}"
            if progress is None:
                print(line, flush=True)
            else:
                from tqdm import tqdm

                tqdm.write(line, file=sys.stdout)

        report = check_pending(store, progress, token, on_problem=found)
    if args.json:
        print_json(report)
        return 0
    print(
        f"checked {report['checked']}, cannot be decoded {len(report['broken'])}"
        + (" — cancelled (run again to finish)" if report["cancelled"] else "")
    )
    return 0
    print(
        f"checked {report['checked']}, cannot be decoded {len(report['broken'])}"
        + (" — cancelled (run again to finish)" if report["cancelled"] else "")
    )
    for item in report["broken"]:
        name = escape(str(item.get("file_name") or item["sha256"]))
        print(f"  {item['id']} {name}: {escape(item['reason'])}")
    return 0


def _links_of(store: Any, media_id: str) -> list[dict[str, Any]]:
    return [
        {
            "id": lk["id"],
            "target_kind": lk["target_kind"],
            "target_id": lk["target_id"],
            "caption": lk["caption"],
        }
        for lk in store.find("link", where={"media_id": media_id})
    ]


def cmd_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        rows = store.find("media", include_retracted=args.all)
        if args.site:
            store.get(args.site, "site")
            ids = {lk["media_id"] for lk in store.find("link", where={"target_id": args.site})}
            rows = [r for r in rows if r["id"] in ids]
    if args.json:
        print_json({"media": rows})
        return 0
    for r in rows:
        where = f"{r['lat']:.6f},{r['lon']:.6f}" if r.get("lat") is not None else "-"
        print(
            f"{r['id']}  {r.get('captured_utc') or r.get('captured_local') or '-':<24} "
            f"{where:<22} {r.get('file_name') or ''}"
        )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from fieldkit.release import derivatives_of
    from fieldkit.thumbnails import thumbnail_path

    with open_store(args) as store:
        record = store.get(args.id, "media")
        record["links"] = _links_of(store, args.id)
        record["derivatives"] = derivatives_of(store, args.id)
        record["path"] = str(store.media.path_of(record["sha256"]))
        thumb = thumbnail_path(store, record["sha256"])
        record["thumbnail"] = str(thumb) if thumb.exists() else None
    if args.json:
        print_json(record)
        return 0
    for key, value in record.items():
        if value not in (None, [], ""):
            print(f"{key:>18}: {value}")
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    from fieldkit.errors import ValidationError

    values = {
        name: getattr(args, name)
        for name in MEDIA_EDITABLE
        if getattr(args, name, None) is not None
    }
    if args.redact:
        values["redactions"] = list(args.redact)
    elif args.clear_redactions:
        values["redactions"] = []
    if not values:
        raise ValidationError(
            "nothing to change: give --release, --sensitivity, --caption or --redact"
        )
    with open_store(args) as store:
        store.get(args.id, "media")
        record = store.update(args.id, values)
    if args.json:
        print_json(record)
    else:
        print(f"media {record['id']}: " + ", ".join(f"{k} {record.get(k)}" for k in values))
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    from fieldkit.linking import link_media

    with open_store(args) as store:
        link, _created = link_media(store, args.id, _target(args, store), args.caption)
    if args.json:
        print_json(link)
    else:
        print(link["id"])
    return 0


def cmd_save(args: argparse.Namespace) -> int:
    import hashlib

    from fieldkit.errors import MediaError

    out = Path(args.out)
    with open_store(args) as store:
        record = store.get(args.id, "media")
        try:
            store.media.copy_original(record["sha256"], out)
        except FileExistsError:
            raise MediaError(f"{out} already exists; choose another --out") from None
        except OSError as exc:
            raise MediaError(f"cannot write {out}: {exc.strerror}") from exc
    digest = hashlib.sha256()
    with open(out, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    if digest.hexdigest() != record["sha256"]:
        out.unlink(missing_ok=True)
        raise MediaError(f"the stored file of {args.id} no longer has its bytes; nothing saved")
    if args.json:
        print_json({"id": args.id, "path": str(out), "sha256": record["sha256"]})
    else:
        print(f"{record['sha256']}  {out}")
    return 0


def cmd_unlink(args: argparse.Namespace) -> int:
    from fieldkit.linking import unlink_media

    with open_store(args) as store:
        link = unlink_media(store, args.id, _target(args, store), args.reason)
    if args.json:
        print_json(link)
    else:
        print(f"unlinked {args.id} from {link['target_id']}")
    return 0


def cmd_geotag(args: argparse.Namespace) -> int:
    from fieldkit.geotag import geotag, read_gpx, untag
    from fieldkit.safetext import escape as safe_text

    if args.undo:
        with open_store(args) as store:
            done = untag(store, dry_run=args.dry_run)
        if args.json:
            print_json(done)
        else:
            verb = "would clear" if args.dry_run else "cleared"
            print(f"{verb} {len(done['cleared'])} positions from tracks")
        return 0
    track = read_gpx(args.track)
    with open_store(args) as store:
        report = geotag(store, track, max_gap_s=args.max_gap_s, dry_run=args.dry_run)
    if args.json:
        print_json(report)
        return 0
    t = report["track"]
    print(f"track {safe_text(t['file'])}: {t['fixes']} fixes, {t['start']} to {t['end']}")
    verb = "would tag" if args.dry_run else "tagged"
    print(
        f"{verb} {len(report['tagged'])}, outside the track {len(report['outside_track'])}, "
        f"beyond the gap {len(report['beyond_gap'])}, no UTC time {len(report['no_time'])}, "
        f"already with a position {report['already_positioned']}"
    )
    for item in report["tagged"]:
        print(
            f"  tagged   {safe_text(item['file_name'] or item['id'])}: "
            f"{item['lat']:.6f},{item['lon']:.6f} ±{item['accuracy_m']:g} m"
        )
    for kind in ("outside_track", "beyond_gap", "no_time"):
        for item in report[kind]:
            name = safe_text(item["file_name"] or item["id"])
            print(f"  not tagged {name}: {item['reason']}")
    return 0


def cmd_suggest(args: argparse.Namespace) -> int:
    from fieldkit.suggest import suggest_sites

    with open_store(args) as store:
        matches, proposals = suggest_sites(
            store, max_distance_m=args.distance, max_gap_hours=args.gap_hours
        )
    if args.json:
        print_json(
            {
                "matches": [m.to_json() for m in matches],
                "proposals": [p.to_json() for p in proposals],
            }
        )
        return 0
    for m in matches:
        print(f"media {m.media_id} → site {m.site_id} ({m.distance_m:.0f} m)")
    for p in proposals:
        print(
            f"new site? {p.lat:.6f},{p.lon:.6f}  {len(p.media_ids)} photos  "
            f"{p.start or '?'} – {p.end or '?'}"
        )
    if not matches and not proposals:
        print("no suggestions")
    return 0


def cmd_thumbnails(args: argparse.Namespace) -> int:
    from fieldkit.thumbnails import rebuild_thumbnails

    token = CancelToken()
    with (
        open_store(args) as store,
        terminal_progress("thumbnails") as progress,
        _ctrl_c_cancels(token),
    ):
        report = rebuild_thumbnails(store, progress, token, force=args.force)
    if args.json:
        print_json(report)
        return 0
    print(
        f"made {report['made']}, already there {report['kept']}, "
        f"not images {report['skipped']}, failed {len(report['failed'])}"
    )
    for item in report["failed"]:
        print(f"  {item['id']}: {item['reason']}")
    return 0
