"""schemathesis, a tool nobody here wrote, against every service with all of its checks: no
server error, every answer documented and matching its schema, what the schema allows accepted
and what it forbids refused, and stateful sequences (create, read, replace, delete) that hold.

Each service gets a fresh process and fresh storage, so the other contract tests keep theirs.
Seeded and bounded: the same requests on every run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.contract.conftest import Service
from tests.credentials import API_KEY, token
from tests.harness import production_server
from tests.postgres import PostgresServer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("contract")]

SCHEMATHESIS = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
EXAMPLES_PER_OPERATION = 40
SEED = 20261202


def fresh_storage(service: Service, postgres: PostgresServer, folder: Path) -> dict[str, str]:
    if service.database == "postgresql":
        name = f"schemathesis_{service.name}".replace("-", "_")
        return {"DATABASE_URL": postgres.create_database(name)}
    if service.database == "sqlite":
        return {"DATABASE_URL": f"sqlite:///{folder / 'schemathesis.db'}"}
    return {}  # in memory: a new process starts empty


def config_file(service: Service, folder: Path) -> Path:
    """Credentials given per security scheme, so that schemathesis knows them for what they are
    and also checks that requests without them are refused."""
    path = folder / f"schemathesis-{service.name}.toml"
    lines = []
    if service.auth == "api-key":
        lines = ["[auth.openapi.ApiKeyAuth]", f'api_key = "{API_KEY}"']
    elif service.auth == "jwt":
        lines = ["[auth.openapi.BearerAuth]", f'bearer = "{token()}"']
    path.write_text("\n".join(lines) + "\n")
    return path


def test_schemathesis_finds_nothing(
    services: list[Service], contract_postgres: PostgresServer, tmp_path: Path
) -> None:
    failed = {}
    for service in services:
        settings = {**service.settings, **fresh_storage(service, contract_postgres, tmp_path)}
        config = config_file(service, tmp_path)
        with production_server(service.environment, settings) as server:
            run = subprocess.run(
                [
                    SCHEMATHESIS, "--config-file", str(config), "run", f"{server.url}/openapi.json",
                    "--checks", "all",
                    "--max-examples", str(EXAMPLES_PER_OPERATION),
                    "--seed", str(SEED),
                    "--generation-deterministic",
                    "--request-timeout", "10",
                    "--no-color",
                ],
                capture_output=True,
                text=True,
                timeout=600,
                cwd=tmp_path,  # where schemathesis keeps its cache

                check=False,
            )  # fmt: skip
        if run.returncode != 0:
            failed[service.name] = run.stdout[-6000:] + run.stderr[-2000:]

    assert not failed, "\n\n".join(f"== {name}\n{output}" for name, output in failed.items())
