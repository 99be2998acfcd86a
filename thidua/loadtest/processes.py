"""The processes the harness starts, stops and kills: a private PostgreSQL cluster, a Chroma server, the app.

Nothing here touches a service the harness did not start: the PostgreSQL it restarts is an ``initdb`` of its own in
a temporary folder on a free port, and the Chroma server it stops is one it started.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BASE = "127.0.0.1"
POSTGRES_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((BASE, 0))
        return int(probe.getsockname()[1])


def thidua_command(*args: str) -> list[str]:
    """The ``thidua`` command of this environment with ``args``."""
    return [str(Path(sys.executable).with_name("thidua")), *args]


def _stop(process: subprocess.Popen[bytes] | None, *, timeout: float = 30.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def _tool(name: str) -> str | None:
    for folder in POSTGRES_BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    return shutil.which(name)


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of the harness's own (``initdb`` into ``folder``), which it may restart under traffic."""

    folder: Path
    port: int = field(default_factory=free_port)

    @staticmethod
    def available() -> bool:
        """Whether ``initdb`` and ``pg_ctl`` are installed."""
        return _tool("initdb") is not None and _tool("pg_ctl") is not None

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the cluster's ``postgres`` database."""
        return f"postgresql+psycopg://postgres@{BASE}:{self.port}/postgres"

    def _as_owner(self, *command: str) -> list[str]:
        # PostgreSQL refuses to run as root: run its tools as the postgres user when we are root.
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *command]
        return list(command)

    def _pg_ctl(self, *args: str) -> None:
        pg_ctl = _tool("pg_ctl")
        assert pg_ctl is not None
        data = str(self.folder / "data")
        command = self._as_owner(pg_ctl, "-D", data, "-l", str(self.folder / "log"), "-w", "-t", "60", *args)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603

    def start(self) -> None:
        """Create the cluster (trust on 127.0.0.1 only) and start it."""
        initdb = _tool("initdb")
        assert initdb is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, user="postgres")
        command = self._as_owner(initdb, "-D", str(self.folder / "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        options = f"-c listen_addresses={BASE} -c port={self.port} -c unix_socket_directories={self.folder}"
        options += " -c max_connections=200 -c fsync=off"
        self._pg_ctl("-o", options, "start")

    def restart(self) -> None:
        """Restart the cluster (fast shutdown: open connections are cut, as in a real restart)."""
        self._pg_ctl("-m", "fast", "restart")

    def stop(self) -> None:
        """Stop the cluster and remove its folder."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class ChromaServer:
    """A ``chroma run`` of the harness's own, which it stops and starts again on the same port and folder."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    stopped_cpu: float = 0.0  # CPU seconds of the server runs already stopped

    @property
    def url(self) -> str:
        """The server's URL."""
        return f"http://{BASE}:{self.port}"

    def start(self, *, limit: float = 120.0) -> None:
        """Start the server and wait for its heartbeat."""
        chroma = str(Path(sys.executable).with_name("chroma"))
        command = [chroma, "run", "--path", str(self.folder), "--host", BASE, "--port", str(self.port)]
        quiet = subprocess.DEVNULL
        self.process = subprocess.Popen(command, stdout=quiet, stderr=quiet, start_new_session=True)  # noqa: S603
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2):  # noqa: S310 - our own server
                    return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("the Chroma server did not start")

    def stop(self) -> None:
        """Stop the server."""
        if self.process is not None:
            self.stopped_cpu += tree_cpu_seconds(self.process.pid)
        _stop(self.process)
        self.process = None

    def cpu_seconds(self) -> float:
        """CPU seconds of every run of the server so far."""
        return self.stopped_cpu + tree_cpu_seconds(self.process.pid if self.process else None)


@dataclass
class App:
    """``thidua serve --workers N`` and one ``thidua worker``, with the environment they share."""

    env: dict[str, str]
    port: int
    web_workers: int
    serve: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None

    def _spawn(self, *args: str) -> subprocess.Popen[bytes]:
        quiet = subprocess.DEVNULL
        return subprocess.Popen(thidua_command(*args), env=self.env, stdout=quiet, start_new_session=True)  # noqa: S603

    def start(self) -> None:
        """Start the web workers and the worker."""
        serve = ("serve", "--host", BASE, "--port", str(self.port), "--workers", str(self.web_workers))
        self.serve = self._spawn(*serve)
        self.worker = self._spawn("worker")

    def kill_web_worker(self) -> bool:
        """kill -9 one web worker (a child of the serve process); uvicorn's supervisor starts another."""
        assert self.serve is not None
        children = Path(f"/proc/{self.serve.pid}/task/{self.serve.pid}/children")
        pids = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        if not pids:
            return False
        os.kill(pids[0], signal.SIGKILL)
        return True

    def kill_worker(self) -> None:
        """kill -9 the worker, then start a new one (as a process supervisor would)."""
        assert self.worker is not None
        self.worker.kill()
        self.worker.wait(timeout=30)
        self.worker = self._spawn("worker")

    def stop(self) -> None:
        """SIGTERM both, kill what does not stop."""
        _stop(self.serve)
        _stop(self.worker)


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(child) for child in path.read_text().split()]
    except OSError:
        return []


def tree_cpu_seconds(pid: int | None) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its descendants, including reaped ones (Linux only)."""
    if pid is None:
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15]) / tick  # utime, stime, cutime, cstime
        stack.extend(_children(current))
    return total


def postmaster_pid(postgres: PrivatePostgres | None) -> int | None:
    """The private cluster's postmaster, whose children are the backends."""
    if postgres is None:
        return None
    try:
        return int((postgres.folder / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
