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

# Same answers apart from framework, server, database, auth and metrics; the FastAPI/uvicorn
# service is listed first and is what the others are compared with in messages. Each database and
# auth choice is met by both frameworks, and so are metrics with each database.
ANSWERS = {"project_name": "Demo Service", "docker": False}
SERVICES = [
    ("fastapi", "uvicorn", "none", "none", False),
    ("fastapi", "granian", "none", "none", False),
    ("flask", "gunicorn", "none", "none", False),
    ("flask", "granian", "none", "none", False),
    ("fastapi", "granian", "sqlite", "api-key", True),
    ("flask", "gunicorn", "sqlite", "api-key", True),
    ("fastapi", "uvicorn", "postgresql", "jwt", True),
    ("flask", "granian", "postgresql", "jwt", True),
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
    metrics: bool = False

    @property
    def credentials(self) -> dict[str, str]:
        """The headers that let a request through the service's auth."""
        return credentials_for(self.auth)

    def restarted(self, **settings: str) -> AbstractContextManager[RunningServer]:
        """Another process of the same service, for tests that stop one or change a setting."""
        return production_server(self.environment, {**self.settings, **settings})


def service_name(framework: str, server: str, database: str, auth: str, metrics: bool) -> str:
    chosen = [answer for answer in (framework, server, database, auth) if answer != "none"]
    return "-".join(chosen + ["metrics"] * metrics)


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
    names = [service_name(*answers) for answers in SERVICES]
    folders = [tmp_path_factory.mktemp(name) for name in names]

    def prepare(answers: tuple[str, str, str, str, bool], folder: Path) -> ProjectEnvironment:
        framework, server, database, auth, metrics = answers
        destination = folder / "project"
        render(destination, {**ANSWERS, "framework": framework, "server": server,
                             "database": database, "auth": auth, "metrics": metrics})  # fmt: skip
        return build_environment(destination)

    # Rendering and installing is mostly waiting on uv: a few at a time.
    with ThreadPoolExecutor(max_workers=4) as pool:
        environments = list(pool.map(prepare, SERVICES, folders))
    with ExitStack() as stack:
        started = []
        for name, answers, environment in zip(names, SERVICES, environments, strict=True):
            framework, server, database, auth, metrics = answers
            settings = dict(SETTINGS)
            if database == "postgresql":
                settings["DATABASE_URL"] = contract_postgres.create_database(name.replace("-", "_"))
            running = stack.enter_context(production_server(environment, settings))
            started.append(
                Service(
                    name, framework, server, database, running.url, environment, settings,
                    running.log_path, auth, metrics,
                )
            )  # fmt: skip
        yield started
