"""The suite runs with internet sockets refused (tests/conftest.py's ``no_network``)."""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import NetworkRefused


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6])
def test_internet_sockets_are_refused(family: socket.AddressFamily) -> None:
    with pytest.raises(NetworkRefused):
        socket.socket(family, socket.SOCK_STREAM)


def test_default_family_and_connections_are_refused() -> None:
    with pytest.raises(NetworkRefused):
        socket.socket()
    with pytest.raises(NetworkRefused):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(NetworkRefused):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)


def test_unix_sockets_still_work(tmp_path: Path) -> None:
    a, b = socket.socketpair()
    with a, b:
        a.sendall(b"ping")
        assert b.recv(4) == b"ping"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with server:
        server.bind(str(tmp_path / "s"))
        assert (tmp_path / "s").exists()
