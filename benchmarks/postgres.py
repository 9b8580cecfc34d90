"""A throwaway PostgreSQL server for the database variants: Debian's binaries, a temporary folder.

The same commands as the tests' server (tests/postgres.py), kept here so that the benchmark does
not import the test suite: `initdb` and `pg_ctl` run the server as an ordinary process, as the
`postgres` user when we are root (they refuse to run as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# Durability off (as the tests run it): the benchmark measures the services, not the disk.
SERVER_SETTINGS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
)


def postgres_bin() -> Path:
    """The folder of PostgreSQL's programs (Debian keeps them off PATH): initdb's, resolved, so
    that a link to initdb alone on PATH still finds createdb beside it."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    if not candidates:
        raise RuntimeError(
            "PostgreSQL is not installed: the postgresql variant needs it "
            "(apt-get install -y postgresql), or leave it out with --variant"
        )
    return Path(candidates[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_server_user() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@dataclass
class PostgresServer:
    """One server: `start()` it, `create_database()` for each project, `remove()` it."""

    bin: Path = field(default_factory=postgres_bin)
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="apiseed-pg-")))
    port: int = field(default_factory=_free_port)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [*_as_server_user(), *args], capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed:\n{result.stderr}{result.stdout}\n{tail}")

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.folder, user="postgres")
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8", "-N",
        )  # fmt: skip
        options = f"-p {self.port} -k {self.folder} {SERVER_SETTINGS}"
        log = str(self.folder / "server.log")
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", log, "-o", options, "-w", "start"
        )
        return self

    def create_database(self, name: str) -> str:
        """A new, empty database; its URL as users write it (`postgresql://`)."""
        self._run(
            str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            name,
        )  # fmt: skip
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def remove(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
