"""SSHSIG signatures, checked against the real ``ssh-keygen`` (OpenSSH).

The tests that need ssh-keygen are skipped, saying so, where it is not installed; the
known-answer tests with a fixed key run everywhere.
"""

from __future__ import annotations

import base64
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_ssh_private_key,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldkit.crypto import sshsig
from fieldkit.errors import KeyFileError, SignatureError, ValidationError

SSH_KEYGEN = shutil.which("ssh-keygen")
needs_ssh_keygen = pytest.mark.skipif(
    SSH_KEYGEN is None, reason="ssh-keygen (OpenSSH) is not installed"
)

NS = "fieldkit-test@v1"

# A fixed key (seed 00 01 … 1f) and what `ssh-keygen -Y sign -n fieldkit-test@v1`
# (OpenSSH 9.2) wrote for KAT_MESSAGE with it. Ed25519 is deterministic, so this never
# changes; these tests run even where ssh-keygen is missing.
KAT_SEED = bytes(range(32))
KAT_MESSAGE = b"FieldKit known-answer test\n"
KAT_PUBLIC = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
KAT_FINGERPRINT = "SHA256:lbmsoA0yIEcEiVDRnMWuzm+nV+3ZEEpVIURqFoeSspg"
KAT_SIGNATURE = """\
-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgA6EHv/POEL4dcN0Y50vAmWfk1j
CbpQ1fHdyGZBJVMbgAAAAQZmllbGRraXQtdGVzdEB2MQAAAAAAAAAGc2hhNTEyAAAAUwAA
AAtzc2gtZWQyNTUxOQAAAEBjWHipGaSJh/pl2aDaVPl7axr1fZMJrugnbYdm+ncIkKhxBz
cZkH8U3vsrWb7U5XHA+XGRvHxai/c5B7sjzQ0J
-----END SSH SIGNATURE-----
"""


def _raw(pub: Ed25519PublicKey) -> bytes:
    return pub.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _blob(armored: str) -> bytes:
    body = "".join(armored.strip().splitlines()[1:-1])
    return base64.b64decode(body)


def _armor(blob: bytes) -> str:
    return sshsig._armor(blob)


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


# --- known answers (no external tool) -------------------------------------------------


def test_known_answer_signature() -> None:
    key = Ed25519PrivateKey.from_private_bytes(KAT_SEED)
    assert sshsig.sign(key, KAT_MESSAGE, NS) == KAT_SIGNATURE


def test_known_answer_verify_public_key_and_fingerprint() -> None:
    signer = sshsig.verify(KAT_SIGNATURE, KAT_MESSAGE, NS)
    key = Ed25519PrivateKey.from_private_bytes(KAT_SEED)
    assert _raw(signer) == _raw(key.public_key())
    assert sshsig.public_key_to_openssh(signer) == KAT_PUBLIC
    assert sshsig.fingerprint(signer) == KAT_FINGERPRINT


def test_armor_wraps_at_70_and_ends_with_newline() -> None:
    lines = KAT_SIGNATURE.splitlines()
    assert all(len(line) <= 70 for line in lines[1:-1])
    assert KAT_SIGNATURE.endswith("-----END SSH SIGNATURE-----\n")


# --- against the real ssh-keygen ------------------------------------------------------


@pytest.fixture(scope="module")
def ssh_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Ed25519PrivateKey]:
    if SSH_KEYGEN is None:
        pytest.skip("ssh-keygen (OpenSSH) is not installed")
    folder = tmp_path_factory.mktemp("sshkey")
    key_path = folder / "id_ed25519"
    subprocess.run(
        [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "anna@example.org", "-f", key_path],
        check=True,
    )
    key = load_ssh_private_key(key_path.read_bytes(), None)
    assert isinstance(key, Ed25519PrivateKey)
    return key_path, key


def _keygen_sign(key_path: Path, message_path: Path, namespace: str, *extra: str) -> str:
    sig_path = message_path.with_name(message_path.name + ".sig")
    sig_path.unlink(missing_ok=True)
    assert SSH_KEYGEN is not None
    subprocess.run(
        [SSH_KEYGEN, "-Y", "sign", "-f", key_path, "-n", namespace, *extra, message_path],
        check=True,
        capture_output=True,
    )
    return sig_path.read_text()


def _keygen_verify(
    tmp_path: Path, pub_line: str, signature: str, message: bytes, namespace: str
) -> subprocess.CompletedProcess[bytes]:
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"anna@example.org {pub_line}\n")
    sig = tmp_path / "message.sig"
    sig.write_text(signature)
    assert SSH_KEYGEN is not None
    return subprocess.run(
        [SSH_KEYGEN, "-Y", "verify", "-f", allowed, "-I", "anna@example.org",
         "-n", namespace, "-s", sig],
        input=message,
        capture_output=True,
    )  # fmt: skip


MESSAGES = [
    b"",
    b"tagmanifest line\n",
    bytes(range(256)) * 3,
    "Stepanakert / Ստեփանակերտ\n".encode(),
    b"\0" * 100_000,
]


@needs_ssh_keygen
@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: f"{len(m)}B")
@pytest.mark.parametrize("namespace", [NS, "fieldkit-bundle@v1", "x"])
def test_sign_is_byte_for_byte_what_ssh_keygen_writes(
    ssh_key: tuple[Path, Ed25519PrivateKey], tmp_path: Path, message: bytes, namespace: str
) -> None:
    key_path, key = ssh_key
    message_path = tmp_path / "message"
    message_path.write_bytes(message)
    theirs = _keygen_sign(key_path, message_path, namespace)
    assert sshsig.sign(key, message, namespace) == theirs


@needs_ssh_keygen
def test_ssh_keygen_verifies_our_signature(
    ssh_key: tuple[Path, Ed25519PrivateKey], tmp_path: Path
) -> None:
    key_path, key = ssh_key
    pub_line = key_path.with_suffix(".pub").read_text().strip()
    message = b"the tag manifest\n"
    ours = sshsig.sign(key, message, NS)
    result = _keygen_verify(tmp_path, pub_line, ours, message, NS)
    assert result.returncode == 0, result.stderr
    assert b"Good" in result.stdout
    # and ssh-keygen itself refuses it for another namespace or another message
    assert _keygen_verify(tmp_path, pub_line, ours, message, "other@v1").returncode != 0
    assert _keygen_verify(tmp_path, pub_line, ours, message + b"x", NS).returncode != 0


@needs_ssh_keygen
@pytest.mark.parametrize("hashalg", ["sha512", "sha256"])
def test_we_verify_ssh_keygen_signatures(
    ssh_key: tuple[Path, Ed25519PrivateKey], tmp_path: Path, hashalg: str
) -> None:
    key_path, key = ssh_key
    message = b"photo bytes \x00\xff"
    message_path = tmp_path / "message"
    message_path.write_bytes(message)
    theirs = _keygen_sign(key_path, message_path, NS, "-O", f"hashalg={hashalg}")
    signer = sshsig.verify(theirs, message, NS)
    assert _raw(signer) == _raw(key.public_key())
    assert sshsig.verify(theirs.encode(), message, NS) is not None  # bytes in, too


@needs_ssh_keygen
def test_fingerprint_and_public_line_match_ssh_keygen(
    ssh_key: tuple[Path, Ed25519PrivateKey],
) -> None:
    key_path, key = ssh_key
    assert SSH_KEYGEN is not None
    out = subprocess.run(
        [SSH_KEYGEN, "-l", "-f", key_path.with_suffix(".pub")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert sshsig.fingerprint(key.public_key()) == out.split()[1]
    pub_line = key_path.with_suffix(".pub").read_text().strip()
    assert sshsig.public_key_to_openssh(key.public_key(), "anna@example.org") == pub_line
    assert _raw(sshsig.parse_openssh_public_key(pub_line)) == _raw(key.public_key())


# --- rejection ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signed() -> tuple[Ed25519PrivateKey, bytes, str]:
    key = Ed25519PrivateKey.from_private_bytes(KAT_SEED)
    message = b"manifest-sha256.txt\n"
    return key, message, sshsig.sign(key, message, NS)


def test_wrong_namespace_is_refused(signed: tuple[Ed25519PrivateKey, bytes, str]) -> None:
    _, message, signature = signed
    with pytest.raises(SignatureError) as err:
        sshsig.verify(signature, message, "fieldkit-bundle@v1")
    assert "signed for namespace 'fieldkit-test@v1', expected 'fieldkit-bundle@v1'" in str(
        err.value
    )


def test_every_flipped_message_byte_is_refused(
    signed: tuple[Ed25519PrivateKey, bytes, str],
) -> None:
    _, message, signature = signed
    for i in range(len(message)):
        tampered = bytearray(message)
        tampered[i] ^= 0x01
        with pytest.raises(SignatureError) as err:
            sshsig.verify(signature, bytes(tampered), NS)
        assert str(err.value) == "signature does not match the data"
    with pytest.raises(SignatureError):
        sshsig.verify(signature, message + b"\n", NS)


@pytest.mark.parametrize("mask", [0x01, 0x80, 0xFF])
def test_every_flipped_signature_byte_is_refused(
    signed: tuple[Ed25519PrivateKey, bytes, str], mask: int
) -> None:
    _, message, signature = signed
    blob = _blob(signature)
    for i in range(len(blob)):
        tampered = bytearray(blob)
        tampered[i] ^= mask
        with pytest.raises(SignatureError):
            sshsig.verify(_armor(bytes(tampered)), message, NS)


def test_every_truncation_and_any_trailing_bytes_are_refused(
    signed: tuple[Ed25519PrivateKey, bytes, str],
) -> None:
    _, message, signature = signed
    blob = _blob(signature)
    for n in range(1, len(blob)):
        with pytest.raises(SignatureError):
            sshsig.verify(_armor(blob[:n]), message, NS)
    with pytest.raises(SignatureError) as err:
        sshsig.verify(_armor(blob + b"\0"), message, NS)
    assert "1 unexpected bytes" in str(err.value)


def test_truncated_blob_says_where(signed: tuple[Ed25519PrivateKey, bytes, str]) -> None:
    _, message, signature = signed
    with pytest.raises(SignatureError) as err:
        sshsig.verify(_armor(_blob(signature)[:40]), message, NS)
    assert "truncated" in str(err.value)


def _blob_with(
    *,
    version: int = 1,
    public: bytes | None = None,
    namespace: bytes = NS.encode(),
    hashalg: bytes = b"sha512",
    sig_type: bytes = b"ssh-ed25519",
    sig: bytes = b"\0" * 64,
) -> bytes:
    if public is None:
        key = Ed25519PrivateKey.from_private_bytes(KAT_SEED)
        public = sshsig.public_key_blob(key.public_key())
    return (
        b"SSHSIG"
        + struct.pack(">I", version)
        + _string(public)
        + _string(namespace)
        + _string(b"")
        + _string(hashalg)
        + _string(_string(sig_type) + _string(sig))
    )


@pytest.mark.parametrize(
    ("blob", "expected"),
    [
        (_blob_with(version=2), "unsupported signature version 2"),
        (_blob_with(hashalg=b"md5"), "unsupported hash algorithm 'md5'"),
        (_blob_with(sig_type=b"rsa-sha2-512"), "unsupported signature type"),
        (_blob_with(sig=b"\0" * 63), "64 bytes"),
        (
            _blob_with(public=_string(b"ssh-rsa") + _string(b"\1" * 64)),
            "unsupported key type 'ssh-rsa'",
        ),
        (
            _blob_with(public=_string(b"ssh-ed25519") + _string(b"\1" * 31)),
            "32 bytes",
        ),
        (b"SSHSIh" + _blob_with()[6:], "does not start with SSHSIG"),
        (_blob_with()[:5], "truncated"),
        (b"SSHSIG\0\0\0\1\xff\xff\xff\xff", "truncated"),
        (_blob_with(), "signature does not match the data"),
    ],
)
def test_specific_messages_for_specific_faults(blob: bytes, expected: str) -> None:
    with pytest.raises(SignatureError) as err:
        sshsig.verify(_armor(blob), b"m", NS)
    assert expected in str(err.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "does not start with"),
        ("hello", "does not start with"),
        (KAT_SIGNATURE.replace("-----END SSH SIGNATURE-----", ""), "does not end with"),
        ("-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n", "nothing between"),
        (KAT_SIGNATURE.replace("U1NI", "U1N!"), "base64"),
        (KAT_SIGNATURE.replace("U1NI", "U1N"), "base64"),
        ("junk before\n" + KAT_SIGNATURE, "does not start with"),
        (KAT_SIGNATURE + "junk after\n", "does not end with"),
        ("A" * (64 * 1024 + 1), "bytes"),
        (b"\xff\xfe".decode("latin-1") + KAT_SIGNATURE, "does not start with"),
    ],
)
def test_malformed_armor(text: str, expected: str) -> None:
    with pytest.raises(SignatureError) as err:
        sshsig.verify(text, KAT_MESSAGE, NS)
    assert expected in str(err.value)


def test_oversized_and_non_ascii_bytes_are_refused() -> None:
    with pytest.raises(SignatureError) as err:
        sshsig.verify(b"-" * (64 * 1024 + 1), KAT_MESSAGE, NS)
    assert "64" in str(err.value) or "65537" in str(err.value)
    with pytest.raises(SignatureError) as err:
        sshsig.verify(b"\xff" + KAT_SIGNATURE.encode(), KAT_MESSAGE, NS)
    assert "ASCII" in str(err.value)


def test_crlf_line_endings_are_tolerated() -> None:
    crlf = KAT_SIGNATURE.replace("\n", "\r\n")
    assert sshsig.verify(crlf, KAT_MESSAGE, NS) is not None


def test_empty_namespace_is_refused() -> None:
    key = Ed25519PrivateKey.from_private_bytes(KAT_SEED)
    with pytest.raises(ValidationError):
        sshsig.sign(key, b"m", "")
    with pytest.raises(ValidationError):
        sshsig.verify(KAT_SIGNATURE, KAT_MESSAGE, "")


# --- public key lines -----------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "",
        "ssh-ed25519",
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ",
        "ssh-ed25519 not!base64",
        "ssh-ed25519 " + base64.b64encode(_string(b"ssh-ed25519") + _string(b"x" * 31)).decode(),
        "ssh-ed25519 "
        + base64.b64encode(_string(b"ssh-ed25519") + _string(b"x" * 32) + b"extra").decode(),
        "ssh-ed25519 " + base64.b64encode(_string(b"ssh-dss") + _string(b"x" * 32)).decode(),
        "ssh-ed25519 AAAA" + "A" * 20_000,
    ],
)
def test_parse_public_key_rejects_junk(line: str) -> None:
    with pytest.raises(KeyFileError):
        sshsig.parse_openssh_public_key(line)


def test_public_key_line_roundtrip_with_comment() -> None:
    pub = Ed25519PrivateKey.from_private_bytes(KAT_SEED).public_key()
    line = sshsig.public_key_to_openssh(pub, "anna@example.org")
    assert line == KAT_PUBLIC + " anna@example.org"
    assert _raw(sshsig.parse_openssh_public_key(line + "\n")) == _raw(pub)
    assert _raw(sshsig.parse_openssh_public_key(line.encode())) == _raw(pub)
    with pytest.raises(ValidationError):
        sshsig.public_key_to_openssh(pub, "two\nlines")


# --- properties -----------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    message=st.binary(max_size=2048),
    namespace=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\0"),
        min_size=1,
        max_size=40,
    ),
)
def test_sign_verify_roundtrip(message: bytes, namespace: str) -> None:
    key = Ed25519PrivateKey.from_private_bytes(KAT_SEED)
    signature = sshsig.sign(key, message, namespace)
    assert _raw(sshsig.verify(signature, message, namespace)) == _raw(key.public_key())


@settings(max_examples=300, deadline=None)
@given(blob=st.binary(max_size=400))
def test_random_blobs_only_ever_raise_signature_error(blob: bytes) -> None:
    with pytest.raises(SignatureError):
        sshsig.verify(_armor(blob) if blob else "", b"m", NS)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=500))
def test_random_text_only_ever_raises_signature_error(text: str) -> None:
    with pytest.raises(SignatureError):
        sshsig.verify(text, b"m", NS)
