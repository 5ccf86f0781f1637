"""The investigator's keys, checked against the real ``ssh-keygen`` and ``age``.

Making keys runs two deliberately slow KDFs (bcrypt for the signing key, scrypt for the
age identity), so each person's keys are made once per module and copied per test.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import stat
import struct
import subprocess
from pathlib import Path

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldkit.cli import keys as cli_keys
from fieldkit.crypto import allowed_signers, keyfolder, keys, namespaces, sshsig, trustlist
from fieldkit.errors import FieldkitError, KeyFileError, ValidationError, WrongPassphrase

SSH_KEYGEN = shutil.which("ssh-keygen")
AGE = shutil.which("age")
needs_ssh_keygen = pytest.mark.skipif(
    SSH_KEYGEN is None, reason="ssh-keygen (OpenSSH) is not installed"
)
needs_age = pytest.mark.skipif(AGE is None, reason="the age command line tool is not installed")

PASS = b"correct horse battery staple"
BOB_PASS = "bob's pass phrase ✓".encode()


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)  # copy2 keeps the modes
    return dst


@pytest.fixture(scope="module")
def anna_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    keys_dir = tmp_path_factory.mktemp("anna") / "keys"
    keys.create_keys(keys_dir, identity="anna@example.org", passphrase=PASS)
    return keys_dir


@pytest.fixture(scope="module")
def bob_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    keys_dir = tmp_path_factory.mktemp("bob") / "keys"
    keys.create_keys(keys_dir, identity="bob@example.org", passphrase=BOB_PASS)
    return keys_dir


@pytest.fixture
def anna(anna_master: Path, tmp_path: Path) -> Path:
    return _copy(anna_master, tmp_path / "anna" / "keys")


@pytest.fixture
def bob(bob_master: Path, tmp_path: Path) -> Path:
    return _copy(bob_master, tmp_path / "bob" / "keys")


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.name: (p.read_bytes(), stat.S_IMODE(p.stat().st_mode)) for p in sorted(folder.iterdir())
    }


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- creating -------------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_create_writes_files_with_private_modes(anna: Path) -> None:
    names = sorted(p.name for p in anna.iterdir())
    assert names == sorted(
        [keyfolder.SIGNING_KEY, keyfolder.SIGNING_KEY_PUB, keyfolder.AGE_IDENTITY,
         keyfolder.AGE_RECIPIENT, keyfolder.AGE_RECIPIENT_SIG, keyfolder.ALLOWED_SIGNERS]
    )  # fmt: skip
    assert _mode(anna) == 0o700
    assert _mode(anna / keyfolder.SIGNING_KEY) == 0o600
    assert _mode(anna / keyfolder.AGE_IDENTITY) == 0o600
    assert b"PRIVATE" not in (anna / keyfolder.SIGNING_KEY_PUB).read_bytes()
    assert b"AGE-SECRET-KEY" not in (anna / keyfolder.AGE_IDENTITY).read_bytes()


def test_create_returns_what_load_public_reads(tmp_path: Path) -> None:
    keys_dir = tmp_path / "keys"
    made = keys.create_keys(keys_dir, identity="carol@example.org", passphrase=b"p")
    assert made == keys.load_public(keys_dir)
    assert made.identity == "carol@example.org"
    assert made.fingerprint.startswith("SHA256:")
    assert made.age_recipient is not None and made.age_recipient.startswith("age1")
    assert (
        keys_dir / keyfolder.SIGNING_KEY_PUB
    ).read_text() == f"{made.public_key} {made.identity}\n"
    assert not list(keys_dir.glob(".*"))  # no temp files left behind
    # the own key is trusted from the start, with its age recipient
    assert trustlist.list_trusted(keys_dir) == [
        allowed_signers.TrustedSigner(
            made.identity, made.public_key, made.fingerprint, made.age_recipient
        )
    ]


def test_create_refuses_to_overwrite(anna: Path) -> None:
    before = _snapshot(anna)
    with pytest.raises(KeyFileError) as err:
        keys.create_keys(anna, identity="mallory@example.org", passphrase=b"x")
    assert "already exist" in str(err.value)
    assert _snapshot(anna) == before


@pytest.mark.parametrize("identity", ["", "two words", "a,b", "*", "anna@*", "x\ny", '"q"'])
def test_create_refuses_bad_identity(tmp_path: Path, identity: str) -> None:
    with pytest.raises(ValidationError):
        keys.create_keys(tmp_path / "keys", identity=identity, passphrase=PASS)
    assert not (tmp_path / "keys").exists()


def test_create_refuses_empty_passphrase(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as err:
        keys.create_keys(tmp_path / "keys", identity="anna@example.org", passphrase=b"")
    assert "empty" in str(err.value)
    assert not (tmp_path / "keys").exists()


def test_missing_keys_say_run_init(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError) as err:
        keys.load_public(tmp_path / "keys")
    assert "fieldkit init" in str(err.value)
    with pytest.raises(KeyFileError):
        keys.unlock_signing_key(tmp_path / "keys", PASS)


# --- the signing key ------------------------------------------------------------------


@needs_ssh_keygen
def test_ssh_keygen_opens_our_encrypted_key(anna: Path) -> None:
    assert SSH_KEYGEN is not None
    out = subprocess.run(
        [SSH_KEYGEN, "-y", "-P", PASS.decode(), "-f", anna / keyfolder.SIGNING_KEY],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[:2] == keys.load_public(anna).public_key.split()
    wrong = subprocess.run(
        [SSH_KEYGEN, "-y", "-P", "not it", "-f", anna / keyfolder.SIGNING_KEY],
        capture_output=True,
        text=True,
    )
    assert wrong.returncode != 0


@needs_ssh_keygen
def test_fingerprint_is_what_ssh_keygen_shows(anna: Path) -> None:
    assert SSH_KEYGEN is not None
    out = subprocess.run(
        [SSH_KEYGEN, "-l", "-f", anna / keyfolder.SIGNING_KEY_PUB],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert out.split()[1] == keys.load_public(anna).fingerprint


def test_unlock_signing_key(anna: Path) -> None:
    key = keys.unlock_signing_key(anna, PASS)
    assert sshsig.public_key_to_openssh(key.public_key()) == keys.load_public(anna).public_key


def test_key_file_uses_bcrypt_kdf_with_the_default_rounds(anna: Path) -> None:
    text = (anna / keyfolder.SIGNING_KEY).read_text()
    assert text.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    blob = base64.b64decode("".join(text.strip().splitlines()[1:-1]))
    assert blob.startswith(b"openssh-key-v1\0")
    pos = len(b"openssh-key-v1\0")
    fields = []
    for _ in range(3):
        (n,) = struct.unpack(">I", blob[pos : pos + 4])
        fields.append(blob[pos + 4 : pos + 4 + n])
        pos += 4 + n
    cipher, kdf, kdf_options = fields
    assert cipher == b"aes256-ctr"
    assert kdf == b"bcrypt"
    (salt_len,) = struct.unpack(">I", kdf_options[:4])
    (rounds,) = struct.unpack(">I", kdf_options[4 + salt_len :])
    assert salt_len == 16
    assert rounds == 16  # cryptography's default, the same as ssh-keygen's


def test_wrong_passphrase_raises_and_changes_nothing(anna: Path) -> None:
    before = _snapshot(anna)
    with pytest.raises(WrongPassphrase) as err:
        keys.unlock_signing_key(anna, b"not it")
    assert str(err.value) == f"wrong passphrase for {anna / keyfolder.SIGNING_KEY}"
    with pytest.raises(WrongPassphrase) as err:
        keys.unlock_age_identity(anna, b"not it")
    assert str(err.value) == f"wrong passphrase for {anna / keyfolder.AGE_IDENTITY}"
    with pytest.raises(ValidationError):
        keys.unlock_signing_key(anna, b"")
    assert _snapshot(anna) == before


def test_damaged_key_file_is_not_called_a_wrong_passphrase(anna: Path) -> None:
    path = anna / keyfolder.SIGNING_KEY
    path.write_text(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nnot base64!\n-----END OPENSSH PRIVATE KEY-----\n"
    )
    with pytest.raises(KeyFileError) as err:
        keys.unlock_signing_key(anna, PASS)
    assert not isinstance(err.value, WrongPassphrase)
    assert "damaged" in str(err.value)
    path.write_text("hello")
    with pytest.raises(KeyFileError) as err:
        keys.unlock_signing_key(anna, PASS)
    assert "not an OpenSSH private key" in str(err.value)


def test_public_file_swapped_for_another_key_is_detected(anna: Path, bob: Path) -> None:
    shutil.copy(bob / keyfolder.SIGNING_KEY_PUB, anna / keyfolder.SIGNING_KEY_PUB)
    with pytest.raises(KeyFileError) as err:
        keys.unlock_signing_key(anna, PASS)
    assert "hold different keys" in str(err.value)


# --- the age identity -----------------------------------------------------------------


def test_age_roundtrip_with_pyrage(anna: Path) -> None:
    me = keys.load_public(anna)
    identity = keys.unlock_age_identity(anna, PASS)
    assert str(identity.to_public()) == me.age_recipient
    recipient = pyrage.x25519.Recipient.from_str(me.age_recipient)
    assert pyrage.decrypt(pyrage.encrypt(b"bundle", [recipient]), [identity]) == b"bundle"


@needs_age
def test_age_cli_encrypts_to_our_recipient(anna: Path, tmp_path: Path) -> None:
    assert AGE is not None
    me = keys.load_public(anna)
    assert me.age_recipient is not None
    plain = tmp_path / "bundle.zip"
    plain.write_bytes(os.urandom(5000))
    subprocess.run(
        [AGE, "-r", me.age_recipient, "-o", tmp_path / "bundle.zip.age", plain], check=True
    )
    identity = keys.unlock_age_identity(anna, PASS)
    assert pyrage.decrypt((tmp_path / "bundle.zip.age").read_bytes(), [identity]) == (
        plain.read_bytes()
    )


@needs_age
def test_decrypted_identity_file_is_in_age_keygen_format(anna: Path, tmp_path: Path) -> None:
    # `age -d -i age_identity.age` asks for the passphrase on a terminal; here we check
    # that what is inside is an identity file the age tool itself reads.
    assert AGE is not None
    plain_identity = pyrage.passphrase.decrypt(
        (anna / keyfolder.AGE_IDENTITY).read_bytes(), PASS.decode()
    )
    identity_file = tmp_path / "identity.txt"
    identity_file.write_bytes(plain_identity)
    me = keys.load_public(anna)
    assert f"# public key: {me.age_recipient}".encode() in plain_identity
    encrypted = pyrage.encrypt(b"evidence", [pyrage.x25519.Recipient.from_str(me.age_recipient)])
    out = subprocess.run(
        [AGE, "-d", "-i", identity_file], input=encrypted, capture_output=True, check=True
    )
    assert out.stdout == b"evidence"


# --- changing the passphrase ----------------------------------------------------------


def test_change_passphrase(anna: Path) -> None:
    public_before = keys.load_public(anna)
    recipient_file = (anna / keyfolder.AGE_RECIPIENT).read_bytes()
    new = b"a new and longer passphrase"
    keys.change_passphrase(anna, PASS, new)
    assert keys.load_public(anna) == public_before
    assert (anna / keyfolder.AGE_RECIPIENT).read_bytes() == recipient_file
    with pytest.raises(WrongPassphrase):
        keys.unlock_signing_key(anna, PASS)
    with pytest.raises(WrongPassphrase):
        keys.unlock_age_identity(anna, PASS)
    key = keys.unlock_signing_key(anna, new)
    assert sshsig.public_key_to_openssh(key.public_key()) == public_before.public_key
    assert str(keys.unlock_age_identity(anna, new).to_public()) == public_before.age_recipient
    if os.name == "posix":
        assert _mode(anna / keyfolder.SIGNING_KEY) == 0o600
        assert _mode(anna / keyfolder.AGE_IDENTITY) == 0o600
    assert not list(anna.glob(".*"))
    if SSH_KEYGEN:
        ok = subprocess.run(
            [SSH_KEYGEN, "-y", "-P", new.decode(), "-f", anna / keyfolder.SIGNING_KEY],
            capture_output=True,
        )
        assert ok.returncode == 0


def test_change_passphrase_with_wrong_old_changes_nothing(anna: Path) -> None:
    before = _snapshot(anna)
    with pytest.raises(WrongPassphrase):
        keys.change_passphrase(anna, b"not it", b"new")
    with pytest.raises(ValidationError):
        keys.change_passphrase(anna, PASS, b"")
    assert _snapshot(anna) == before


# --- export and trust -----------------------------------------------------------------


def test_export_format(anna: Path) -> None:
    me = keys.load_public(anna)
    text = trustlist.export_public(anna)
    lines = text.splitlines()
    assert f"# identity: {me.identity}" in lines
    assert f"# fingerprint: {me.fingerprint}" in lines
    assert f"# age-recipient: {me.age_recipient}" in lines
    assert lines[-1] == f"{me.identity} {me.public_key} {me.identity}"
    assert all(line.startswith("#") for line in lines[:-1])
    assert trustlist.parse_exported(text) == allowed_signers.TrustedSigner(
        me.identity, me.public_key, me.fingerprint, me.age_recipient
    )


@needs_ssh_keygen
def test_ssh_keygen_verifies_with_the_exported_file(anna: Path, tmp_path: Path) -> None:
    assert SSH_KEYGEN is not None
    exported = tmp_path / "anna.pub.txt"
    exported.write_text(trustlist.export_public(anna))
    message = b"tagmanifest-sha256.txt contents\n"
    (tmp_path / "tagmanifest-sha256.txt").write_bytes(message)
    sig = tmp_path / "tagmanifest-sha256.txt.sig"
    sig.write_text(
        sshsig.sign(keys.unlock_signing_key(anna, PASS), message, namespaces.BUNDLE_NAMESPACE)
    )

    def ssh_verify(identity: str, namespace: str) -> subprocess.CompletedProcess[bytes]:
        assert SSH_KEYGEN is not None
        return subprocess.run(
            [SSH_KEYGEN, "-Y", "verify", "-f", exported, "-I", identity, "-n", namespace,
             "-s", sig],
            input=message,
            capture_output=True,
        )  # fmt: skip

    good = ssh_verify("anna@example.org", namespaces.BUNDLE_NAMESPACE)
    assert good.returncode == 0, good.stderr
    assert b'Good "fieldkit-bundle@v1" signature for anna@example.org' in good.stdout
    assert ssh_verify("bob@example.org", namespaces.BUNDLE_NAMESPACE).returncode != 0
    assert ssh_verify("anna@example.org", namespaces.CHECKPOINT_NAMESPACE).returncode != 0


def test_trust_list_untrust_roundtrip(anna: Path, bob: Path) -> None:
    bob_me = keys.load_public(bob)
    signer = trustlist.trust(anna, trustlist.export_public(bob))
    assert signer == allowed_signers.TrustedSigner(
        "bob@example.org", bob_me.public_key, bob_me.fingerprint, bob_me.age_recipient
    )
    listed = trustlist.list_trusted(anna)
    assert [s.identity for s in listed] == ["anna@example.org", "bob@example.org"]
    assert listed[1] == signer

    # idempotent: the file does not change
    before = (anna / keyfolder.ALLOWED_SIGNERS).read_bytes()
    assert trustlist.trust(anna, trustlist.export_public(bob)) == signer
    assert (anna / keyfolder.ALLOWED_SIGNERS).read_bytes() == before

    # the identity given overrides the file's, and replaces the entry
    renamed = trustlist.trust(anna, trustlist.export_public(bob), identity="robert@example.org")
    assert renamed.identity == "robert@example.org"
    assert [s.identity for s in trustlist.list_trusted(anna)] == [
        "anna@example.org",
        "robert@example.org",
    ]
    bob_key = keys.unlock_signing_key(bob, BOB_PASS).public_key()
    assert trustlist.trusted_identity(anna, bob_key) == "robert@example.org"
    assert (
        trustlist.trusted_identity(anna / keyfolder.ALLOWED_SIGNERS, bob_key)
        == "robert@example.org"
    )

    trustlist.untrust(anna, bob_me.fingerprint)
    assert [s.identity for s in trustlist.list_trusted(anna)] == ["anna@example.org"]
    assert trustlist.trusted_identity(anna, bob_key) is None
    assert (
        bob_me.fingerprint not in (anna / keyfolder.ALLOWED_SIGNERS).read_text()
    )  # age comment too

    with pytest.raises(KeyFileError) as err:
        trustlist.untrust(anna, bob_me.fingerprint)
    assert "no trusted key" in str(err.value)


@needs_ssh_keygen
def test_ssh_keygen_reads_our_allowed_signers(anna: Path, bob: Path, tmp_path: Path) -> None:
    assert SSH_KEYGEN is not None
    trustlist.trust(anna, trustlist.export_public(bob))
    message = b"bob's bundle\n"
    sig = tmp_path / "m.sig"
    sig.write_text(sshsig.sign(keys.unlock_signing_key(bob, BOB_PASS), message, "x@v1"))
    out = subprocess.run(
        [SSH_KEYGEN, "-Y", "find-principals", "-f", anna / keyfolder.ALLOWED_SIGNERS, "-s", sig],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "bob@example.org"


def test_own_key_is_always_trusted(anna: Path, bob: Path) -> None:
    me = keys.load_public(anna)
    with pytest.raises(ValidationError) as err:
        trustlist.untrust(anna, me.fingerprint)
    assert "own key" in str(err.value)
    with pytest.raises(ValidationError):
        trustlist.trust(anna, trustlist.export_public(anna), identity="someone-else@example.org")
    assert trustlist.trust(anna, trustlist.export_public(anna)).fingerprint == me.fingerprint
    # even if someone deletes it from the file by hand
    (anna / keyfolder.ALLOWED_SIGNERS).write_text("# emptied by hand\n")
    assert [s.fingerprint for s in trustlist.list_trusted(anna)] == [me.fingerprint]
    own_key = keys.unlock_signing_key(anna, PASS).public_key()
    assert trustlist.trusted_identity(anna, own_key) == "anna@example.org"
    trustlist.trust(anna, trustlist.export_public(bob))
    assert me.fingerprint in (anna / keyfolder.ALLOWED_SIGNERS).read_text()


def test_untrust_accepts_fingerprint_without_prefix(anna: Path, bob: Path) -> None:
    fp = trustlist.trust(anna, trustlist.export_public(bob)).fingerprint
    trustlist.untrust(anna, fp.removeprefix("SHA256:"))
    assert len(trustlist.list_trusted(anna)) == 1


def test_trust_a_pub_line_needs_an_identity(anna: Path, bob: Path) -> None:
    pub_line = keys.load_public(bob).public_key  # no comment
    with pytest.raises(ValidationError) as err:
        trustlist.trust(anna, pub_line)
    assert "--identity" in str(err.value)
    signer = trustlist.trust(anna, pub_line, identity="bob@example.org")
    assert signer.age_recipient is None
    with pytest.raises(ValidationError):
        trustlist.trust(anna, pub_line, identity="*")


def test_trust_refuses_junk_and_leaves_file_alone(anna: Path) -> None:
    before = _snapshot(anna)
    with pytest.raises(KeyFileError):
        trustlist.trust(anna, "hello world")
    assert _snapshot(anna) == before


# --- parsing hostile files ------------------------------------------------------------


_OTHERS = iter(range(1, 256))


def _other_pub() -> str:
    # Fixed keys: test ids must be the same in every process (pytest-xdist compares them).
    seed = bytes([next(_OTHERS)]) * 32
    return sshsig.public_key_to_openssh(Ed25519PrivateKey.from_private_bytes(seed).public_key())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "no public key found"),
        ("# only a comment\n", "no public key found"),
        ("hello", "expected `<identity> [options] ssh-ed25519"),
        ("anna@example.org ssh-rsa AAAAB3NzaC1yc2E", "not an Ed25519 key"),
        ("anna@example.org ssh-ed25519 !!!", "base64"),
        (f"a@x {_other_pub()}\nb@x {_other_pub()}\n", "2 key lines"),
        (f"# fingerprint: SHA256:AAAA\na@x {_other_pub()}\n", "altered or damaged"),
        (f"# age-recipient: age1nope\na@x {_other_pub()}\n", "not an age recipient"),
        (f"* {_other_pub()}\n", "'*'"),
        (f"a@x,b@x {_other_pub()}\n", "','"),
        (f'a@x namespaces="x {_other_pub()}\n', "unterminated quote"),
        (f"a@x cert-authority {_other_pub()}\n", "certificates"),
        ("x" * 70_000, "an export is tiny"),
        (_other_pub(), "no identity"),
    ],
)
def test_parse_exported_rejects_junk_clearly(text: str, expected: str) -> None:
    with pytest.raises(KeyFileError) as err:
        trustlist.parse_exported(text)
    assert expected in str(err.value)


def test_parse_exported_accepts_lines_from_other_tools() -> None:
    key = Ed25519PrivateKey.generate().public_key()
    line = sshsig.public_key_to_openssh(key)
    fp = sshsig.fingerprint(key)
    from_pub = trustlist.parse_exported(f"{line} dana@example.org\n")
    assert (from_pub.identity, from_pub.fingerprint) == ("dana@example.org", fp)
    from_allowed = trustlist.parse_exported(f'dana@example.org namespaces="a,b" {line}\r\n')
    assert (from_allowed.identity, from_allowed.fingerprint) == ("dana@example.org", fp)


def test_read_allowed_signers_is_tolerant_but_strict_on_malformed(tmp_path: Path) -> None:
    a, b, c = (Ed25519PrivateKey.generate().public_key() for _ in range(3))
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    path = tmp_path / "allowed_signers"
    path.write_text(
        "# a hand-kept file\n\n"
        f"{allowed_signers.AGE_RECIPIENT_COMMENT} {sshsig.fingerprint(a)} {recipient}\n"
        f"  a@x {sshsig.public_key_to_openssh(a, 'comment here')}\n"
        f'b@x namespaces="fieldkit-bundle@v1" {sshsig.public_key_to_openssh(b)}\n'
        f"ca@x cert-authority {sshsig.public_key_to_openssh(c)}\n"
        f'c@x valid-before="20300101" {sshsig.public_key_to_openssh(c)}\n'
        "rsa@x ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ\n"
    )
    signers = allowed_signers.read_allowed_signers(path)
    assert [(s.identity, s.age_recipient, s.namespaces) for s in signers] == [
        ("a@x", recipient, None),
        ("b@x", None, ("fieldkit-bundle@v1",)),
    ]
    assert trustlist.trusted_identity(path, b, namespace=namespaces.BUNDLE_NAMESPACE) == "b@x"
    assert trustlist.trusted_identity(path, b, namespace=namespaces.CHECKPOINT_NAMESPACE) is None
    assert trustlist.trusted_identity(path, c) is None  # a CA or a time-limited key: not trusted

    with path.open("a") as fh:
        fh.write("broken@x ssh-ed25519\n")
    with pytest.raises(KeyFileError) as err:
        allowed_signers.read_allowed_signers(path)
    assert f"{path}:9" in str(err.value)


def test_read_allowed_signers_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "allowed_signers"
    path.write_bytes(b"#" * (keyfolder.MAX_ALLOWED_SIGNERS + 1))
    with pytest.raises(KeyFileError) as err:
        allowed_signers.read_allowed_signers(path)
    assert "larger than" in str(err.value)


# --- the command line -----------------------------------------------------------------


def _run(home: Path, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="fieldkit")
    parser.add_argument("--home")
    sub = parser.add_subparsers(dest="command")
    cli_keys.register(sub)
    args = parser.parse_args(["--home", str(home), *argv])
    return int(args.handler(args) or 0)


def test_cli_every_keys_command_has_help() -> None:
    parser = argparse.ArgumentParser(prog="fieldkit")
    sub = parser.add_subparsers(dest="command")
    cli_keys.register(sub)
    keys_parser = sub.choices["keys"]
    assert keys_parser.description
    actions = [a for a in keys_parser._actions if isinstance(a, argparse._SubParsersAction)]
    commands = actions[0]._choices_actions
    assert {c.dest for c in commands} == {
        "show",
        "export",
        "trust",
        "untrust",
        "revoke",
        "list",
        "passwd",
        "recover",
    }
    assert all(c.help for c in commands)


def test_cli_show_export_trust_list_untrust(
    anna: Path, bob: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = anna.parent
    me = keys.load_public(anna)
    assert _run(home, "keys", "show", "--json") == 0
    assert json.loads(capsys.readouterr().out) == {
        "identity": me.identity,
        "public_key": me.public_key,
        "fingerprint": me.fingerprint,
        "age_recipient": me.age_recipient,
    }
    assert _run(home, "keys", "show") == 0
    assert me.fingerprint in capsys.readouterr().out

    assert _run(home, "keys", "export") == 0
    assert capsys.readouterr().out == trustlist.export_public(anna)
    out_file = tmp_path / "bob.txt"
    assert _run(bob.parent, "keys", "export", "--out", str(out_file)) == 0
    assert out_file.read_text() == trustlist.export_public(bob)
    capsys.readouterr()

    assert _run(home, "keys", "trust", str(out_file), "--identity", "bob@example.org",
                "--json") == 0  # fmt: skip
    trusted = json.loads(capsys.readouterr().out)
    assert trusted["identity"] == "bob@example.org"
    assert trusted["fingerprint"] == keys.load_public(bob).fingerprint

    assert _run(home, "keys", "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(k["identity"], k["own"]) for k in listed["keys"]] == [
        ("anna@example.org", True),
        ("bob@example.org", False),
    ]
    assert _run(home, "keys", "list") == 0
    text = capsys.readouterr().out
    assert "(you)" in text and trusted["fingerprint"] in text

    assert _run(home, "keys", "untrust", trusted["fingerprint"]) == 0
    capsys.readouterr()
    assert _run(home, "keys", "list", "--json") == 0
    assert len(json.loads(capsys.readouterr().out)["keys"]) == 1


def test_cli_without_keys_says_run_init(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError) as err:
        _run(tmp_path, "keys", "show")
    assert str(err.value) == f"no keys in {tmp_path / 'keys'}: run `fieldkit init` first"


def test_cli_trust_junk_names_the_file(anna: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("not a key\n")
    with pytest.raises(KeyFileError) as err:
        _run(anna.parent, "keys", "trust", str(junk))
    assert str(junk) in str(err.value)


def test_cli_passwd(
    anna: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    new_file = tmp_path / "new.txt"
    new_file.write_text("brand new passphrase\n")
    monkeypatch.setenv("FIELDKIT_PASSPHRASE", "not it")
    with pytest.raises(WrongPassphrase):
        _run(anna.parent, "keys", "passwd", "--new-passphrase-file", str(new_file))
    monkeypatch.setenv("FIELDKIT_PASSPHRASE", PASS.decode())
    assert _run(anna.parent, "keys", "passwd", "--new-passphrase-file", str(new_file)) == 0
    assert "changed" in capsys.readouterr().out
    keys.unlock_signing_key(anna, b"brand new passphrase")


def test_cli_passwd_refuses_empty_new_passphrase(
    anna: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIELDKIT_PASSPHRASE", PASS.decode())
    monkeypatch.setenv("FIELDKIT_NEW_PASSPHRASE", "")
    with pytest.raises(FieldkitError) as err:
        _run(anna.parent, "keys", "passwd")
    assert "empty" in str(err.value)


_FUZZ_PIECES = [*'ab@ ,="#*\n\t', "ssh-ed25519 ", "namespaces=", "AAAA", _other_pub(), "# "]


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(_FUZZ_PIECES), max_size=40).map("".join))
def test_parsers_only_ever_raise_key_file_error(text: str) -> None:
    with contextlib.suppress(KeyFileError):
        trustlist.parse_exported(text)
    with contextlib.suppress(KeyFileError):
        allowed_signers.parse_allowed_signers_text(text, "fuzz")
