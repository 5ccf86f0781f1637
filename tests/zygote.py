"""Child processes for the kill loops, forked from a process that has imported FieldKit.

A kill loop starts a FieldKit process, lets it work for a random moment and kills it
with SIGKILL, 20 or 50 times. Starting Python and importing FieldKit (SQLCipher,
cryptography, sqlite-utils ...) takes most of a second, and it happens before any store
is touched: nothing a kill could interrupt there. A :class:`Zygote` is one plain Python
process (no threads, no open store, nothing but imports) that forks a fresh child per
run; the child opens the store itself and runs the script or ``python -m`` module as a
new interpreter would, in its own process, with its own stdout. ``SIGKILL`` goes to that
child, as it would to a ``subprocess.Popen`` child: same kill, without the import.

Only the helper's own control socket is AF_UNIX (the no-network rule allows it).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[1]

# The fork server: one JSON request per message on the control socket (a SOCK_SEQPACKET
# fd, argv[1]); "spawn" comes with the write ends of the child's stdout and stderr pipes.
_SERVER = r"""
import json, os, runpy, socket, sys, traceback
ctrl = socket.socket(fileno=int(sys.argv[1]))
for name in json.loads(sys.argv[2]):
    __import__(name)
sys.stdout.flush(); sys.stderr.flush()

def reply(obj):
    ctrl.send(json.dumps(obj).encode())

while True:
    msg, fds, _flags, _addr = socket.recv_fds(ctrl, 1 << 20, 2)
    if not msg:
        break
    req = json.loads(msg)
    if req["op"] == "wait":
        _, status = os.waitpid(req["pid"], 0)
        reply({"pid": req["pid"], "status": os.waitstatus_to_exitcode(status)})
        continue
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        reply({"pid": pid})
        continue
    # The child: a fresh FieldKit process, as `python script args` would be.
    code = 1
    try:
        ctrl.close()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        for fd in (devnull, *fds):
            os.close(fd)
        os.environ.update(req["env"])
        sys.argv = req["argv"]
        try:
            if req["op"] == "script":
                exec(compile(req["source"], "<child>", "exec"), {"__name__": "__main__"})
            else:
                runpy.run_module(req["module"], run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
"""


class Child:
    """One forked run: ``stdout``/``stderr`` are text pipes, like ``subprocess.Popen``'s."""

    def __init__(self, zygote: Zygote, pid: int, stdout: IO[str], stderr: IO[str]) -> None:
        self.zygote = zygote
        self.pid = pid
        self.stdout = stdout
        self.stderr = stderr
        self.returncode: int | None = None

    def kill(self) -> None:
        """SIGKILL, as ``Popen.send_signal(signal.SIGKILL)``."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def wait(self) -> int:
        """Wait until the child has exited (reaped by the zygote); its exit code, or
        ``-signal`` as :attr:`subprocess.Popen.returncode` gives it."""
        if self.returncode is None:
            self.returncode = self.zygote._wait(self.pid)
        return self.returncode

    def communicate(self) -> tuple[str, str]:
        """Read stdout and stderr to the end, wait, close both pipes."""
        out = self.stdout.read()
        err = self.stderr.read()
        self.wait()
        self.close()
        return out, err

    def close(self) -> None:
        self.stdout.close()
        self.stderr.close()


class Zygote:
    """A process that imported ``preload`` once and forks a child per :meth:`script` or
    :meth:`module` call. Use as a context manager (children left running are killed)."""

    def __init__(self, preload: list[str], env: dict[str, str] | None = None) -> None:
        env = {**os.environ, **(env or {})}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        self._ctrl, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(theirs.fileno()), json.dumps(preload)],
            pass_fds=[theirs.fileno()],
            env=env,
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self._children: list[Child] = []

    def script(self, source: str, *args: str, env: dict[str, str] | None = None) -> Child:
        """Run ``source`` as ``python -c source args`` would (``sys.argv[1:] == args``)."""
        return self._spawn({"op": "script", "source": source, "argv": ["-c", *args]}, env)

    def module(self, name: str, *args: str, env: dict[str, str] | None = None) -> Child:
        """Run ``python -m name args``."""
        return self._spawn({"op": "module", "module": name, "argv": [name, *args]}, env)

    def _spawn(self, request: dict[str, object], env: dict[str, str] | None) -> Child:
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            request["env"] = env or {}
            socket.send_fds(self._ctrl, [json.dumps(request).encode()], [out_w, err_w])
        finally:
            os.close(out_w)
            os.close(err_w)
        pid = self._reply()["pid"]
        stdout = open(out_r, encoding="utf-8")  # noqa: SIM115 - closed by Child.close
        stderr = open(err_r, encoding="utf-8")  # noqa: SIM115
        child = Child(self, pid, stdout, stderr)
        self._children.append(child)
        return child

    def _wait(self, pid: int) -> int:
        self._ctrl.send(json.dumps({"op": "wait", "pid": pid}).encode())
        reply = self._reply()
        assert reply["pid"] == pid
        return int(reply["status"])

    def _reply(self) -> dict[str, int]:
        line = self._ctrl.recv(1 << 16)
        if not line:
            raise RuntimeError(f"the fork server exited (code {self._proc.wait()})")
        return json.loads(line)

    def close(self) -> None:
        for child in self._children:
            if child.returncode is None:
                child.kill()
                with contextlib.suppress(Exception):
                    child.wait()
            with contextlib.suppress(Exception):
                child.close()
        self._ctrl.close()
        self._proc.wait(timeout=30)

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def zygote(preload: list[str], env: dict[str, str] | None = None) -> Iterator[Zygote]:
    with Zygote(preload, env) as z:
        yield z
