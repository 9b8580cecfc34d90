"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temporary folder, a free port.

No Docker: `initdb` and `pg_ctl` run the server as an ordinary process. They refuse to run as
root, so as root they run as the `postgres` user the Debian package creates.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.harness import free_port

SERVER_SETTINGS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
)


def postgres_bin() -> Path | None:
    """The folder of the newest initdb installed (Debian keeps it off PATH), if there is one."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    return Path(candidates[-1]).parent if candidates else None


def _as_server_user() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@dataclass
class PostgresServer:
    """One server: `start()` it, `create_database()` for each user, `stop()` it."""

    bin: Path
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="apiseed-pg-")))
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [*_as_server_user(), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed:\n{result.stderr}{result.stdout}\n{tail}")

    def start(self) -> PostgresServer:
        if not self.data.exists():
            if os.geteuid() == 0:
                shutil.chown(self.folder, user="postgres")
            self._run(
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "-N",
            )
        options = f"-p {self.port} -k {self.folder} {SERVER_SETTINGS}"
        log = str(self.folder / "server.log")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", log, "-o", options, "-w",
                  "start")  # fmt: skip
        return self

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def freeze(self) -> None:
        """Stop answering without closing anything, as a hung server would (SIGSTOP)."""
        self._signal("-STOP")

    def thaw(self) -> None:
        self._signal("-CONT")

    def _signal(self, signal: str) -> None:
        """To the server and every backend process it started."""
        pid = (self.data / "postmaster.pid").read_text().split()[0]
        children = subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True).stdout
        subprocess.run([*_as_server_user(), "kill", signal, pid, *children.split()], check=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new, empty database; its URL in the form users write (`postgresql://`)."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A started server, removed with its data at the end; the test fails without PostgreSQL."""
    folder = postgres_bin()
    if folder is None:
        pytest.fail("PostgreSQL is not installed: apt-get install postgresql (.ci/run does)")
    server = PostgresServer(folder).start()
    try:
        yield server
    finally:
        server.remove()
