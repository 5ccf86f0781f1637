<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name></name>
    <message>
        <source>Creating your store</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>FieldKit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>FieldKit — demo ({home})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write an unencrypted bundle?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This bundle carries {what}. It is not encrypted to a trusted colleague, so anyone who gets the file can read them. Write it unencrypted anyway?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exporting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A bundle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bundles (*.zip *.age);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A bundle folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Item</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Intact and signed by {who}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a trusted key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bundle fingerprint (compare with the sender&apos;s): {fp}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verification FAILED: {n} problem(s).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed by {who}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verify a bundle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a bundle folder, .zip or .zip.age</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this store&apos;s trusted keys (or an allowed_signers file)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bundle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trusted keys</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verify</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save report…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verifying…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot verify: {e}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verifying</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import a bundle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1. Verify</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The signer is not in my trusted keys, but I checked the fingerprint: accept it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>2. Merge into my store</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>3. Resolve conflicts…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What the merge brings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Raw report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>If merged: </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot be merged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Merged.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not merged: {e}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Merging</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>events</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>photos and files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It carries </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{new} new record(s), {changed} changed, {conflicts} conflict(s), {events} new event(s), {dup} already present; {media} new file(s).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{what} has unsaved changes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save them before going on?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Welcome to FieldKit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>FieldKit keeps your cases, sites, photos and statements in a store on this laptop and signs what you export with a key only you can unlock. Choose a passphrase you will not forget: it cannot be recovered.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Organisation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Identity (e-mail)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Passphrase again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create store</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where the store lives</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The passphrase needs at least 8 characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The two passphrases differ.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a folder for the store.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlock FieldKit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Passphrase of the signing key of {who}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this store</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{i} imported, {d} already in the store, {r} rejected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled. </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> — what finished before is kept.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Imported with warnings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Imported</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Duplicates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skipped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Photo import</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fingerprint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>To read aloud</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In full</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy in full</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About FieldKit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline evidence collection for investigators of attacks on civilians.

Signed in as {who}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bundles signed by these keys are trusted. Check a fingerprint with its owner, in person or by phone, before adding it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add from file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A laptop was seized or lost: its key&apos;s events from a given time are held back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export my key…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Basemaps</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Takes effect at the next unlock or start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lock FieldKit after this long without input:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(this store)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoked keys:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A key file exported by FieldKit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trusted {who} ({fp})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export my public key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export a signed bundle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What I have not exported before (incremental)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Everything (full)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One .zip file (needed for encryption)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Encrypt for (optional; the bundle is signed either way)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Destination</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose where to write the bundle.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{path} already exists.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bundle exported</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The signed bundle is in:
{path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Read the bundle fingerprint to the coordinator over the phone; they see the same when they verify it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Conflicts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Candidates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Another value:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resolve with this value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} conflicting field(s). Nothing was dropped: choose what is right.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No conflicts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit the case</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New case</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Case</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Site</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remnant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Statement</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Positions from a GPS track</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Photos without a position get the track&apos;s position at their capture time (after the camera&apos;s clock correction), interpolated between the two fixes around it; source “track”, with an accuracy that grows with the gap. Photos outside the track or between fixes too far apart are listed, never guessed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a .gpx file from a GPS logger or a phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No position is interpolated between fixes further apart than this</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Track</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Largest gap between fixes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Photo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Position or reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A GPS track</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GPX tracks (*.gpx);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking the track</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Positions from a track</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Other edits came after this one: use Edit → Undo for them first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The positions from the track were taken back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing changed: {e}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>got a position</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>would get a position</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Track: {fixes} fixes, {start} to {end}. {tagged} photo(s) {verb}; {outside} outside the track; {gap} between fixes more than {max} s apart; {none} without a UTC capture time; {already} already had a position.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Caption</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Words to find in every record, caption and file name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where it matches</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} result(s) for “{text}”. Double-click or press Enter to open one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing found for “{text}”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Position</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latitude</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Longitude</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label} must be between −{high} and {high}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cases and sites</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter sites (Ctrl+F)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New site</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Welcome. Everything you record belongs to a case: an investigation with a title, a region and a period. Start with one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create your first case</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Photos</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remnants</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Statements</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>History</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New &amp;case…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import &amp;photos…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import a &amp;folder of photos…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Export bundle…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import &amp;bundle…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Verify bundle…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export for &amp;GIS…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Case &amp;report…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Public re&amp;lease…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Settings and trusted keys…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit the c&amp;ase…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;New site</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New &amp;remnant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New s&amp;tatement</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Merge this site into another…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Conflicts…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Changes to re&amp;view…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Camera c&amp;locks…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Positions from a GPS &amp;track…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Filter sites</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Search everything…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show &amp;retracted records</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About FieldKit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Main</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search everything (Ctrl+Shift+F)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} · signing key {fp} · {home}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undone: {what}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undoing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Undo {what}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>sensitivity {s}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>consent {c}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tick what may be published</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What will leave</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Positions marked sensitive are snapped to a grid of this many metres in the point&apos;s UTM zone: the published point is at most grid × √2 / 2 from the real one</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A zip file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write as</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel the release</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write the release</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing is public unless ticked. A tick sets the record&apos;s “release” field (Edit → Undo takes it back). A photo&apos;s black rectangles are drawn in the photo viewer (Redact…).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Marking for release</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} black rectangle(s) burned in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Photos, without any metadata</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>position generalised to a {g} m grid</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no position</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sites</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>consent {c}; no witness code, no interviewer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Statements, under release labels</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{mime}: FieldKit removes metadata from still images only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this file type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Left out: video, audio, documents</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Marked for release but held back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Earlier releases of this case ({n})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{s} statement(s), {m} photo(s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>— consent since withdrawn: {w}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write the release in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose where to write the release.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Writing the release…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Writing the public release</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Release written and signed: {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{counts}; sensitive positions on a {g} m grid; signed by {fp}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Left out {ref}: {why}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} item(s) marked for release held back (listed above)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The release was not written: {e}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Release cancelled: nothing was written.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Consent withdrawn</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The witness of statement {code} withdrew consent. It will never appear in a later release or public output. These releases already carried it, and a published file cannot be called back: tell whoever holds them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Released</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Release id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed by</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{shown} of {n} sites loaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{shown} site(s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} conflict(s) to resolve</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All sites</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This {kind}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saving</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import photos</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import a folder of photos</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Importing for {site}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Importing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filing photos</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot be decoded: {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} photo(s) cannot be decoded: see their warnings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking photos</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Replace the site&apos;s position?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>“{site}” already has a position ({source}). The photo {photo} was taken {far} from it. Replace it with the photo&apos;s GPS position, altitude and accuracy?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Position set from the photo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resolving</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retract</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why is “{title}” withdrawn? (Kept in its history; it can be reinstated.)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retracting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reinstate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why does “{title}” come back? (It was retracted: {why})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reinstating</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no other site in this case.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reinstate this site…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retract this site…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Merge into another site…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit the case…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Merge “{name}” into…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Merge duplicate sites</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>“{other}” becomes an other name of “{keep}”; its {r} remnant(s), {s} statement(s) and {p} photo(s) move there, and “{other}” is retracted with a reason naming “{keep}”. Edit → Undo takes it back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Merging sites</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reinstate…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retract…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move to another site…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move to which site?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Moving</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Caption…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Link to a remnant…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Link to a statement…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Redact for publication…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlink from this site…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What does the photo show here?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This site has none yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Link the photo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What does the photo show of it? (optional)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Linking</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move the photo to which site?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlink</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why does this photo not belong here? (The photo stays.)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlinking</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latitude and longitude go together: give both, or neither.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{first} must not be after {second}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label} is required.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label} must be a whole number.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label} must be a number.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label} must be between {low} and {high}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label} must be at least {low}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label} must be at most {high}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label} must be a real date written like 2020-10-09.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label} needs its UTC offset, e.g. +04:00.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label} must be a date and time written like 2020-10-09 14:02.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label} must be an offset like +04:00.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The position is not understood. Type decimal degrees (39.8153, 46.7519), degrees-minutes-seconds (39°48′55″N 46°45′07″E) or MGRS (38S PK 49948 08725).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label}: one name per line, as NAME or NAME@LANG.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retracted: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This site has conflicting edits: resolve them in Edit → Conflicts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import photos…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drop photos or folders here or on a site to import them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} photo(s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>[retracted] {text} — {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>type to search the catalogue, e.g. 9N2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unidentified</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When (UTC)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Who</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{who} on {device}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Photo {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>custody: {action}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bundle {id}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>photo linked to this {target}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>photo unlinked: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>retracted: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reinstated: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>created</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>conflict resolved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} km</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} m</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Taken (UTC)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Goes to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Distance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Already filed under</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Taken {d} from the chosen site: is it really from there?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where do these photos belong?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} photo(s): {i} new, {d} already in the store, {r} rejected. Where do they belong?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import details…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All to the site</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>— choose a site —</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A new site named</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. Bus station, east entrance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Each where its position and time propose</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not filed yet (decide later)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File the photos</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The photos stay in the store, filed nowhere.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New site {n} near {lat:.4f}, {lon:.4f}{day}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not filed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stays where it is filed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no position: not filed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(new site)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>choose a site above</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} photo(s) were taken farther than {d} from the chosen site; they are left out unless you tick them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No case</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create a case first: a new site belongs to one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Already filed elsewhere</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} of these photos are already filed under {sites}. File them under the new place too? (No: leave them where they are.)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>2020-10-09T14:02:00+04:00 or …Z</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ANONYMOUS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Access</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Access notes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accuracy (m)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Age</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Age recipient</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Altitude (m)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Assessment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bundle id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>By whom</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CONFIDENTIAL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CONSENT WITHDRAWN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV (spreadsheets), a folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibre (mm)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Camera clock correction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Camera clock error (s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Camera clock reading</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Camera clock reading from</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Captured</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Captured (UTC)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Casualties source</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Category</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Civilian casualties</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Civilian objects affected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Civilians injured</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Civilians killed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clock error (s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Condition</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Consent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Count</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Custody event</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delivery</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Derived copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Description</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Designation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Direction (°)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Duration (s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Factory marking</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GPS clock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GPS clock (UTC)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GPX 1.1 waypoints (handheld GPS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Gender</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GeoJSON (web maps), a folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GeoPackage (QGIS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grid for sensitive positions (m)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hazard to civilians</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Height</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>INTERNAL USE ONLY</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Identity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Incident</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Incident from</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Incident from (UTC)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Incident from: local UTC offset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Incident time known from</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Incident to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Incident to (UTC)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Incident to: local UTC offset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Interviewed at</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Interviewed at (UTC)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Interviewed at: local UTC offset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Interviewer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>KML (Google Earth)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>KMZ with photo thumbnails (Google Earth)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key revocation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kind of site</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language of the name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Linked to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lot marking</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MAY BE NAMED</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Make</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Markings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Markings as read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Media</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Media carried</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Military objects notes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Military objects observed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Munition type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Neighbourhood</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Orientation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Origin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Original</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Original file name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Original file name bytes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Other designations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Other names</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PUBLIC</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Path in the release</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Period from</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Period to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Place</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Position source</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Public release</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quotes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>RESTRICTED</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Redactions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Redactions burned in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Region</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Release</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Release id (urn:uuid)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Released at</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Released at (UTC)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoked from</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoked from (UTC)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoked key fingerprint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Role</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SHA-256</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SHA-256 of its tag manifest</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SHA-256 of the copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SHA-256 of the original</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sensitive position</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sensitivity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Serial</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signer fingerprint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing key fingerprint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing public key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size (bytes)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Statements carried</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Submunitions carried</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Target</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time source</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transformations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Typical submunitions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>UTC offset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Visit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Visited on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>WGS84 decimal degrees, south negative</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>WGS84 decimal degrees, west negative</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What happened to it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Width</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Witness</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Witness code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Year marking</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a catalogue designation (e.g. 9N235) or free text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a pseudonym such as W-017, never the name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>accept untrusted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>an IANA zone such as Asia/Yerevan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>anonymous</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>archived</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>as for statements: a photo of a witness&apos;s face is confidential; unset is public</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>as measured, e.g. &apos;length 230 mm, Ø 122 mm&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>bomb</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>camera</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cargo section</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>case</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>collected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>confidential</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>crater</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>create</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>custody</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>damaged building</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>derivation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>destroyed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dispenser</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dud</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. +04:00, the zone it was set to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. hy, az, en</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. laptop seized at a checkpoint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>estimate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>events this key signs from this time on are held back everywhere</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>exif</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>exploded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>export</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fragment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fuze</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>granted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>hexadecimal bytes of a name that was not UTF-8; file_name shows it escaped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>homes, a school, cars…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>how far the camera clock is ahead of true time; negative if behind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>impact</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>import</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>internal only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>left in place</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>manual</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>media</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>metres, below sea level negative</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>missile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>munition</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>named</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none observed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not assessed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not requested</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>official</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>one per line</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>one per line: NAME or NAME@LANG</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>other</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>partly functioned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>physical evidence</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>present</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>projectile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>public</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>publication</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>quicktime</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rectangles blacked out in every published copy: x,y,w,h in pixels of the upright photo (fieldkit/redact.py)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reinstate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>remnant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>resident, doctor, first responder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>resolve</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>restricted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>retract</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>revocation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rocket</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rocket motor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>site</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>statement</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>strike</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>submunition</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the UTC offset the time was given in (e.g. +04:00), kept beside the UTC instant so the local time as entered can be shown again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the same place in other languages: NAME or NAME@LANG</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>track</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>update</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>vehicle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>verify</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>withdrawn</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>withdrawn: the witness took consent back; never in a public output</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>witness</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>xmp</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>yes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>yes: may appear in the public release and public outputs (default no)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>yes: published positions are snapped to a coarse grid (e.g. a witness&apos;s home)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cases</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>sites</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>remnants</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>statements</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Investigator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>investigators</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New {what} ({n})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Changed {what} ({n})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>at {site}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no field shown differently (see the conflicts)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Conflicts to resolve ({n})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing new: every event is already in this store.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This file cannot be shown as an image.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Redactions — {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot show this file: {e}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drag over what must not be seen in a published copy: faces, number plates, house numbers. Each rectangle is burned in as a solid black block (never a blur) in the public release, a public report and a public KMZ; the original is never changed. Pixels of the upright photo, {w} × {h}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove all</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rectangles (x, y, width, height)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saving redactions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(under a minute: may be GPS lag, not a wrong camera clock)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use this position for the site</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open in another program</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Writes a decrypted copy to a private temporary folder (only you can read it); it is deleted when FieldKit locks or quits.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Redact for publication… ({n})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Draw black rectangles over faces, number plates or house numbers: burned into every published copy, never into the original</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot open: {e}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opened a decrypted copy from a private temporary folder. It is deleted when FieldKit locks or quits; a copy you save elsewhere from the other program is not.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Camera clocks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>If a camera&apos;s clock was wrong, say by how much and in which zone it was set. Photos imported afterwards get corrected times; the camera&apos;s own reading is always kept.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New camera</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(unnamed camera)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decimal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>DMS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MGRS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. 39.8153, 46.7519 or 39°48′55″N 46°45′07″E or 38S PK 49948 08725</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show as decimal degrees, degrees-minutes-seconds or MGRS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>YYYY-MM-DD HH:MM</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not a time yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>= {utc} UTC</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Case report</source>
        <extracomment>age recipients (age1…) of trusted colleagues to encrypt to; empty: plain.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export for GIS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Click selects, drag pans, wheel zooms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Place site</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Click to place a new site</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drag a site or a remnant to its position</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Measure</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Click points; right-click clears</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>from (UTC)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Incident time window, ISO 8601 (e.g. 2020-10-04T00:00Z)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add an MBTiles or PMTiles basemap (it stays where it is)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom to case</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom to site</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Photos within</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>of this site</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Measured: {d}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The map could not read the records: {e}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} site(s) without an incident time are not shown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All cases</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (file missing)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not stated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Raster MBTiles and PMTiles files prepared before you leave (QGIS, gdal_translate, a tile downloader). They stay where they are: FieldKit remembers where. The shipped Natural Earth base is always there.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tiles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zooms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bounds (W, S → E, N)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a basemap file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Forget this basemap; the file is left where it is</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(file missing)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>shipped (vectors)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>all</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(shipped with FieldKit)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a basemap</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Basemaps (*.mbtiles *.pmtiles)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Added {name}: the file stays where it is</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Removed {name}; the file was left where it is</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Basemap</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a site first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This site has no position yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} photo(s) within {m:g} m of {site}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a case in the map&apos;s case list first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New site on the map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Site placed: name it in Details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>from GPS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>typed by hand</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Replace the position?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This {kind}&apos;s position was {how} ({lat:.6f}, {lon:.6f}). Replace it with the position on the map ({nlat:.6f}, {nlon:.6f})?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Moved; the change is in the journal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Internal: the team&apos;s own view</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Public: only what is marked for release</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No restricted or confidential text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Include restricted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Include restricted and confidential</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Format</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audience</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generalise sensitive positions to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Encrypt for (age)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>. The audience is added to the file name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restricted or confidential content is encrypted to the colleagues ticked above; with none ticked you are asked before it is written unencrypted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose where to write.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A report is about one case: create a case first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{what}: {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> ({n} items marked for release held back)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (encrypted)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (carries {what}, unencrypted)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write it unencrypted?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This {what} carries {carried}. It is not encrypted to a trusted colleague, so anyone who gets the file can read them. Write it unencrypted anyway?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exporting for GIS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GIS export written</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GIS export</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GIS export cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Writing the case report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Report written and signed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Report cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>FieldKit — locked</source>
        <extracomment>Decrypted copies opened in outside programs; wiped on lock and exit.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>FieldKit is locked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlocking…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your recovery code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your store is encrypted. If the passphrase is forgotten, this recovery code is the only way back: FieldKit cannot recover anything without one of them. Write it down now and give it to your organisation to keep offline, away from this laptop. It is shown only this once.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>I have written it down</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lock FieldKit now (Ctrl+L): the store closes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke a key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke {who}&apos;s key ({fp}): what it signed from this time on is held back in this store and in every store that imports your next bundle (kept in the journal, not shown, reported). What it signed before stays. Give the time the laptop was taken or lost; if unsure, an earlier time is safer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not to be believed from</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give the time from which the key must not be believed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>“{t}” is not a date and time (YYYY-MM-DD HH:MM).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Say why the key is revoked: it travels with the revocation.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoking a key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{fp} — revoked from {when}: {why}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Changes to review</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An import applied these changes to records that someone else created: an edit or a retraction by a colleague. Check each with the people concerned, then mark it reviewed. To take a retraction back, reinstate the record (right-click, Reinstate…); to take an edit back, edit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>By</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created by</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mark reviewed…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>op</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing waits for review.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mark reviewed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What did you check? (optional, kept in the history)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Marked {n} change(s) to “{what}” reviewed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Marking reviewed</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
