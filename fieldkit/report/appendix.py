"""The appendices of the case report: the chain of custody and how to verify."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fieldkit.audience import OutputView
from fieldkit.report.pdf import clean_text, shape_for
from fieldkit.report.sections import REPORT_NAMESPACE, Context

if TYPE_CHECKING:
    from fieldkit.store import Store


def _custody(store: Store, view: OutputView) -> tuple[list[list[str]], list[list[str]]]:
    """Rows of the custody table and of resolved/unresolved conflicts, from the journal."""
    names = {}
    for p in store.find("person"):
        if p.get("fingerprint"):
            names[p["fingerprint"]] = p.get("name") or ""
    custody_rows = []
    resolved = []
    ids = {r["_id"] for r in (*view.sites, *view.remnants, *view.statements, *view.media)}
    ids |= {c["_id"] for c in view.cases}
    for event in store.history():
        if event["kind"] == "custody" and event["op"] == "create":
            f = event["fields"]
            custody_rows.append(
                [
                    clean_text(event["at"]),
                    clean_text(f.get("action")),
                    clean_text(event.get("author_name") or names.get(event["author"], "")),
                    clean_text(event["author"]),
                    clean_text(f.get("bundle_id")),
                    clean_text(f.get("signer")),
                    clean_text(f.get("result")),
                ]
            )
        elif event["op"] == "resolve" and event["entity"] in ids:
            for field_name, value in event["fields"].items():
                resolved.append(
                    [
                        clean_text(event["at"]),
                        f"{event['kind']} {event['entity'][:13]}…",
                        field_name,
                        f"resolved to {clean_text(value)[:60]}",
                        clean_text(event.get("author_name") or ""),
                    ]
                )
    for c in store.all_conflicts():
        if c["id"] in ids:
            values = " | ".join(clean_text(x.get("value"))[:30] for x in c["candidates"])
            resolved.append(["", f"{c['kind']} {c['id'][:13]}…", c["field"], f"OPEN: {values}", ""])
    return custody_rows, resolved


def appendices(c: Context) -> None:
    """Appendix A (custody and conflicts, internal only) and B (how to verify)."""
    store, view, doc, pdf, audience, me = c.store, c.view, c.doc, c.pdf, c.audience, c.me
    pdf.add_page()
    doc.heading("Appendix A: chain of custody")
    if audience.public:
        doc.para(
            "The chain of custody (who exported, imported and verified the evidence, with "
            "their keys) is kept in the organisation's signed journal and is not published."
        )
    else:
        custody_rows, conflict_rows = _custody(store, view)
        if custody_rows:
            doc.table(
                ["When (UTC)", "Action", "By", "Key", "Bundle", "Signer", "Result"],
                custody_rows,
                (22, 14, 18, 34, 30, 34, 22),
            )
        else:
            doc.para("No bundle has been exported, imported or verified with this store.")
        doc.heading("Conflicts and how they were resolved", 2)
        if conflict_rows:
            doc.table(
                ["When (UTC)", "Record", "Field", "Outcome", "By"],
                conflict_rows,
                (26, 36, 26, 62, 24),
            )
        else:
            doc.para("No conflicting changes were recorded for what this report holds.")
    doc.heading("Appendix B: how to verify", 1)
    public_key = ""
    for p in store.find("person"):
        if p.get("fingerprint") == me.get("fingerprint"):
            public_key = p.get("public_key") or ""
    doc.para(
        "This report is signed. Put the author's public key in an allowed_signers file and "
        "check the signature with OpenSSH (no FieldKit needed):"
    )
    # Any principal works in allowed_signers; a public report does not give out an email.
    principal = "report-author" if audience.public else me.get("email")
    doc.font(7, mono=True)
    shape_for(pdf)
    commands = [
        f'echo "{principal} {public_key}" > allowed_signers',
        f"ssh-keygen -Y verify -f allowed_signers -I {principal} \\",
        f"    -n {REPORT_NAMESPACE} -s REPORT.pdf.sig < REPORT.pdf",
    ]
    pdf.multi_cell(
        0, 3.4, "\n".join(clean_text(c) for c in commands), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)
    doc.font()
    doc.para(
        f"The key's fingerprint is {me.get('fingerprint')}; compare it with one "
        "obtained from the author in person."
    )
    if not audience.public:
        doc.para(
            "Every photo above is identified by the SHA-256 of its original file. The "
            "originals travel in signed evidence bundles; in a bundle folder, "
            "`sha256sum -c manifest-sha256.txt` checks every file and "
            "`fieldkit verify BUNDLE` checks the bundle's signature, journal and each "
            "photo's hash against its record. `sha256sum FILE` of an original must print "
            "the value given here."
        )
