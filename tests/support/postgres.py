"""A real, throw-away PostgreSQL server for tests and benchmarks (initdb + pg_ctl, loopback, free port).

The data directory is a fresh folder under the system temp dir; the server listens on 127.0.0.1 on a
free port with its socket in that folder, trusts local connections, and is stopped (and the folder
removed) by :meth:`PostgresServer.cleanup`. PostgreSQL refuses to run as root, so as root (CI) the
server runs as the ``postgres`` user Debian's package creates (or a system user made here).
Binaries: Debian's ``/usr/lib/postgresql/<version>/bin``, else ``initdb`` on PATH.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SERVICE_USER = "postgres"
FALLBACK_USER = "forcelab-pg"
DB_USER = "forcelab"


def bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or ``None`` when PostgreSQL is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def missing() -> str | None:
    """Why a server cannot be started here (``None`` when it can)."""
    if bin_dir() is None:
        return "PostgreSQL server binaries not found (apt-get install postgresql)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg not installed (pip install -e '.[lab]')"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _service_user() -> str | None:
    """The unprivileged user to run the server as when we are root (``None``: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in (SERVICE_USER, FALLBACK_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_USER],
                   check=True)
    return FALLBACK_USER


class PostgresServer:
    """One PostgreSQL cluster in a temp folder: :meth:`start`, :meth:`stop`, :meth:`url`, :meth:`cleanup`."""

    def __init__(self) -> None:
        bins = bin_dir()
        if bins is None:
            raise RuntimeError(missing() or "no PostgreSQL")
        self.bins = bins
        self.user = _service_user()
        self.base = Path(tempfile.mkdtemp(prefix="forcelab-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = free_port()
        if self.user is not None:
            shutil.chown(self.base, self.user)
        self._run("initdb", "-D", str(self.data), "-U", DB_USER, "-A", "trust", "-E", "UTF8", "--no-sync")

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bins / tool), *args]
        if self.user is not None:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip()}\n{log}")
        return done

    def start(self) -> None:
        """Start (or restart after :meth:`stop`) on the same port and data; returns when it accepts connections."""
        opts = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w", "-t", "60", "start")

    def stop(self) -> None:
        """Stop the server (fast: open sessions are ended), keeping its data."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def running(self) -> bool:
        """Whether the server is up."""
        cmd = [str(self.bins / "pg_ctl"), "-D", str(self.data), "status"]
        if self.user is not None:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, timeout=30, check=False).returncode == 0

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy/forcelab URL of ``database`` on this server."""
        return f"postgresql://{DB_USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database ``name`` and return its URL."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={DB_USER} dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def cleanup(self) -> None:
        """Stop the server if it runs and remove its folder."""
        try:
            if self.data.exists() and self.running():
                self.stop()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
