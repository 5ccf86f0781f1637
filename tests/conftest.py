"""Shared fixtures: real stores on disk, made once per test run and copied per test.

Making a store derives keys with bcrypt and scrypt (seconds, on purpose), so each test
gets a copy of a template store instead. A template is made when a test first asks for
it, once per run: the xdist workers share it (:func:`shared_template`). Copies of one
template share a device id; tests that simulate several devices use different templates
(A, B, C).

Stores are **encrypted** (SQLCipher and age, as `fieldkit init` makes them) unless
``FIELDKIT_TEST_STORES=plain`` runs the suite on unencrypted stores. A copy is unlocked
in this process (the keyring), so ``Store.open(home)`` works in tests as in the app; the
CLI in a subprocess gets the passphrase (``passphrase_env``). New wraps of store keys use
cheap Argon2id parameters (``FIELDKIT_TEST_CHEAP_KDF``, test-only; the default stays
memory-hard).
"""

from __future__ import annotations

import os

os.environ.setdefault("FIELDKIT_TEST_CHEAP_KDF", "1")  # before any store key is made

import shutil
import socket
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from fieldkit.store import Store

PASSPHRASE = b"correct horse battery staple"
# In CI (CI=true, as GitHub Actions and GitLab set it) a missing corpus or tool is a
# failure, never a skip: a green run there means every test ran.
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
REPO = Path(__file__).resolve().parents[1]
#: The shared corpus beside the repository (/work/shared next to /work/main), found from a
#: worktree further down too (/work/wt/NAME).
CORPUS = next(
    (p / "shared" / "corpus" for p in REPO.parents if (p / "shared" / "corpus").is_dir()),
    REPO.parent / "shared" / "corpus",
)


class NetworkRefused(RuntimeError):
    """A test (or the code it runs) tried to open an internet socket: FieldKit never does."""


class _NoInternetSocket(socket.socket):
    """``socket.socket`` that refuses AF_INET and AF_INET6; AF_UNIX (and a given fd) pass."""

    def __init__(
        self, family: Any = -1, type: Any = -1, proto: Any = -1, fileno: Any = None
    ) -> None:
        # family -1 without a file descriptor means AF_INET (socket.socket's default).
        if fileno is None and family in (-1, socket.AF_INET, socket.AF_INET6):
            raise NetworkRefused(f"network socket refused in tests (family {family!r})")
        super().__init__(family, type, proto, fileno)


@pytest.fixture(scope="session", autouse=True)
def no_network() -> Iterator[None]:
    """Every test runs with internet sockets refused: FieldKit works offline, always."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket, "socket", _NoInternetSocket)
        yield


_PEOPLE = {
    "A": ("Ana Investigator", "ana@example.org", "Field team north"),
    "B": ("Bek Investigator", "bek@example.org", "Field team south"),
    "C": ("Cleo Coordinator", "cleo@example.org", "Office"),
    "D": ("Dana Coordinator", "dana@example.org", "Office"),
}


ENCRYPTED = os.environ.get("FIELDKIT_TEST_STORES", "encrypted") != "plain"
_TEMPLATE_SECRETS: dict[Path, tuple[bytes, str]] = {}


def remember_template(home: Path, store: Store) -> None:
    """Keep a template store's keys, so its copies can be unlocked (:func:`unlock_copy`)."""
    if store.secrets is not None:
        _TEMPLATE_SECRETS[home] = (store.secrets.store_key, str(store.secrets.identity))


def unlock_copy(home: Path, template: Path) -> None:
    """Put the keys of ``template`` in the keyring for its copy at ``home``."""
    from fieldkit.atrest import StoreSecrets, keyring

    if template in _TEMPLATE_SECRETS:
        key, identity = _TEMPLATE_SECRETS[template]
        keyring.remember(home, StoreSecrets(key, identity))


def shared_template(
    factory: pytest.TempPathFactory, name: str, make: Callable[[Path], Any]
) -> Path:
    """The folder ``name``, made by ``make(folder)`` once per test run and then only read.

    Under pytest-xdist the workers share it (it lives in the run's temporary folder, above
    each worker's own): the first worker to ask makes it under a lock, the others wait
    and use it. A folder whose making was cut short is made again.
    """
    base = factory.getbasetemp()
    try:
        import fcntl
    except ImportError:  # no flock (Windows): each worker makes its own
        fcntl = None  # type: ignore[assignment]
    if fcntl is not None and os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    root = base / "shared-templates"
    root.mkdir(exist_ok=True)
    home, made = root / name, root / f"{name}.made"
    with open(root / f"{name}.lock", "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        if not made.exists():
            shutil.rmtree(home, ignore_errors=True)
            make(home)
            made.touch()
    return home


class TemplateStores(Mapping[str, Path]):
    """Closed template stores by key (``people``: key -> name, email, organisation), each
    made on first use with :func:`shared_template` and remembered for :func:`unlock_copy`."""

    def __init__(
        self,
        factory: pytest.TempPathFactory,
        prefix: str,
        people: Mapping[str, tuple[str, str, str]],
        passphrase: bytes = PASSPHRASE,
    ) -> None:
        self._factory, self._prefix, self._people = factory, prefix, people
        self._passphrase = passphrase

    def _make(self, home: Path, key: str) -> None:
        name, email, org = self._people[key]
        with Store.init(
            home,
            name=name,
            email=email,
            organisation=org,
            passphrase=self._passphrase,
            encrypted=ENCRYPTED,
        ):
            pass

    def __getitem__(self, key: str) -> Path:
        if key not in self._people:
            raise KeyError(key)
        home = shared_template(
            self._factory, f"{self._prefix}-{key}", lambda home: self._make(home, key)
        )
        if ENCRYPTED and home not in _TEMPLATE_SECRETS:
            from fieldkit import atrest

            secrets = atrest.unlock_store(home / "keys", self._passphrase)
            _TEMPLATE_SECRETS[home] = (secrets.store_key, str(secrets.identity))
        return home

    def __iter__(self) -> Iterator[str]:
        return iter(self._people)

    def __len__(self) -> int:
        return len(self._people)


@pytest.fixture(scope="session")
def store_templates(tmp_path_factory: pytest.TempPathFactory) -> Mapping[str, Path]:
    return TemplateStores(tmp_path_factory, "person", _PEOPLE)


@pytest.fixture
def make_store(
    store_templates: Mapping[str, Path], tmp_path: Path
) -> Iterator[Callable[..., Store]]:
    opened: list[Store] = []

    def factory(who: str = "A", name: str | None = None) -> Store:
        home = tmp_path / (name or f"store-{who}-{len(opened)}")
        shutil.copytree(store_templates[who], home)
        unlock_copy(home, store_templates[who])
        store = Store.open(home)
        opened.append(store)
        return store

    yield factory
    for s in opened:
        s.close()


@pytest.fixture
def store(make_store: Callable[..., Store]) -> Store:
    return make_store("A")


@pytest.fixture
def passphrase_env(monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setenv("FIELDKIT_PASSPHRASE", PASSPHRASE.decode())
    return PASSPHRASE


def table_dump(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every projection table, sorted: what "the same tables" means in tests."""
    from fieldkit import records

    out = {}
    for kind in records.KINDS.values():
        cur = store.conn.execute(f"SELECT * FROM [{kind.plural}] ORDER BY id")
        out[kind.plural] = [tuple(r) for r in cur]
    out["conflicts"] = [
        tuple(r) for r in store.conn.execute("SELECT * FROM conflicts ORDER BY entity, field")
    ]
    return out


def record_dump(store: Store, *, skip_kinds: tuple[str, ...] = ("custody",)) -> dict[str, object]:
    """Records as a person sees them (no local-only columns), for cross-store comparison."""
    from fieldkit import records

    out: dict[str, object] = {}
    for kind in records.KINDS:
        if kind in skip_kinds:
            continue
        out[kind] = sorted(
            (
                {k: v for k, v in r.items() if k != "created_at"}
                for r in store.find(kind, include_retracted=True)
            ),
            key=lambda r: r["id"],
        )
    out["conflicts"] = store.all_conflicts()
    return out
