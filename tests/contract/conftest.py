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

from tests.credentials import credentials_for
from tests.harness import (
    ProjectEnvironment,
    RunningServer,
    build_environment,
    production_server,
    render,
)
from tests.postgres import PostgresServer, running_postgres

# Same answers apart from framework, server, database and auth; the FastAPI/uvicorn service is
# listed first and is what the others are compared with in messages. Each database and auth choice
# is met by both frameworks.
ANSWERS = {"project_name": "Demo Service", "docker": False}
SERVICES = [
    ("fastapi", "uvicorn", "none", "none"),
    ("fastapi", "granian", "none", "none"),
    ("flask", "gunicorn", "none", "none"),
    ("flask", "granian", "none", "none"),
    ("fastapi", "granian", "sqlite", "api-key"),
    ("flask", "gunicorn", "sqlite", "api-key"),
    ("fastapi", "uvicorn", "postgresql", "jwt"),
    ("flask", "granian", "postgresql", "jwt"),
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
    auth: str = "none"

    @property
    def credentials(self) -> dict[str, str]:
        """The headers that let a request through the service's auth."""
        return credentials_for(self.auth)

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

    def prepare(answers: tuple[str, str, str, str], folder: Path) -> ProjectEnvironment:
        framework, server, database, auth = answers
        destination = folder / "project"
        render(destination, {**ANSWERS, "framework": framework, "server": server,
                             "database": database, "auth": auth})  # fmt: skip
        return build_environment(destination)

    # Rendering and installing is mostly waiting on uv: a few at a time.
    with ThreadPoolExecutor(max_workers=4) as pool:
        environments = list(pool.map(prepare, SERVICES, folders))
    with ExitStack() as stack:
        started = []
        for answers, environment in zip(SERVICES, environments, strict=True):
            framework, server, database, auth = answers
            name = "-".join(answer for answer in answers if answer != "none")
            settings = dict(SETTINGS)
            if database == "postgresql":
                settings["DATABASE_URL"] = contract_postgres.create_database(name.replace("-", "_"))
            running = stack.enter_context(production_server(environment, settings))
            started.append(
                Service(
                    name, framework, server, database, running.url, environment, settings,
                    running.log_path, auth,
                )
            )  # fmt: skip
        yield started
