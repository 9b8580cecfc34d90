"""The services the contract suite talks to: the same answers rendered with each framework, each
production server and each database, every one started once under its real production command,
as production runs it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness import (
    ProjectEnvironment,
    RunningServer,
    build_environment,
    production_server,
    render,
)
from tests.postgres import PostgresServer, running_postgres

# Same answers apart from framework, server and database; the FastAPI/uvicorn service is listed
# first and is what the others are compared with in messages.
ANSWERS = {"project_name": "Demo Service", "docker": False}
SERVICES = [
    ("fastapi", "uvicorn", "none"),
    ("fastapi", "granian", "none"),
    ("flask", "gunicorn", "none"),
    ("flask", "granian", "none"),
    ("fastapi", "granian", "sqlite"),
    ("flask", "gunicorn", "sqlite"),
    ("fastapi", "uvicorn", "postgresql"),
    ("flask", "granian", "postgresql"),
]


# Production, with shorter timeouts than the defaults so that the hostile-client tests are quick.
SETTINGS = {
    "ENVIRONMENT": "production",
    "MIGRATE_ON_START": "true",
    "KEEPALIVE_TIMEOUT": "2",
    "READ_TIMEOUT": "2",
    "GRACEFUL_TIMEOUT": "10",
}


@dataclass(frozen=True)
class Service:
    name: str
    framework: str
    server: str
    database: str
    url: str
    environment: ProjectEnvironment
    settings: dict[str, str]
    log: Path

    def restarted(self) -> AbstractContextManager[RunningServer]:
        """Another process of the same service, for tests that stop one."""
        return production_server(self.environment, self.settings)


@pytest.fixture(scope="session")
def contract_postgres() -> Iterator[PostgresServer]:
    """A server of the contract suite's own: its fault tests stop and freeze it."""
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def services(
    tmp_path_factory: pytest.TempPathFactory, contract_postgres: PostgresServer
) -> Iterator[list[Service]]:
    # mktemp first: it is not safe to call from several threads.
    folders = [tmp_path_factory.mktemp("-".join(answers)) for answers in SERVICES]

    def prepare(answers: tuple[str, str, str], folder: Path) -> ProjectEnvironment:
        framework, server, database = answers
        destination = folder / "project"
        render(destination, {**ANSWERS, "framework": framework, "server": server,
                             "database": database})  # fmt: skip
        return build_environment(destination)

    # Rendering and installing is mostly waiting on uv: a few at a time.
    with ThreadPoolExecutor(max_workers=4) as pool:
        environments = list(pool.map(prepare, SERVICES, folders))
    with ExitStack() as stack:
        started = []
        for (framework, server, database), environment in zip(SERVICES, environments, strict=True):
            name = f"{framework}-{server}" + ("" if database == "none" else f"-{database}")
            settings = dict(SETTINGS)
            if database == "postgresql":
                settings["DATABASE_URL"] = contract_postgres.create_database(name.replace("-", "_"))
            running = stack.enter_context(production_server(environment, settings))
            started.append(
                Service(
                    name, framework, server, database, running.url, environment, settings,
                    running.log_path,
                )
            )  # fmt: skip
        yield started
