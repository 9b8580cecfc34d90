"""The services the contract suite talks to: the same answers rendered with each framework, each
production server and each database, every one started once under its real production command,
as production runs it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
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
from tests.otlp import Collector, running_collector
from tests.postgres import PostgresServer, running_postgres

# Same answers apart from framework, server, database, auth and observability (metrics and
# tracing); the FastAPI/uvicorn service is listed first and is what the others are compared with
# in messages. Each database and auth choice is met by both frameworks, and so is observability
# with each database.
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


def tracing_variables(collector_url: str, schedule_delay_ms: int = 100) -> dict[str, str]:
    """OpenTelemetry's variables that send a service's spans to `collector_url`, a batch every
    `schedule_delay_ms`."""
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector_url,
        "OTEL_BSP_SCHEDULE_DELAY": str(schedule_delay_ms),
    }


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
    observed: bool = False  # metrics and tracing
    variables: dict[str, str] = field(default_factory=dict)

    @property
    def credentials(self) -> dict[str, str]:
        """The headers that let a request through the service's auth."""
        return credentials_for(self.auth)

    def restarted(
        self, variables: dict[str, str] | None = None, **settings: str
    ) -> AbstractContextManager[RunningServer]:
        """Another process of the same service, for tests that stop one or change a setting."""
        return production_server(
            self.environment, {**self.settings, **settings}, {**self.variables, **(variables or {})}
        )


def observed(services: list[Service]) -> list[Service]:
    """The services with metrics and tracing: both frameworks on each database."""
    chosen = [service for service in services if service.observed]
    for database in {service.database for service in chosen}:
        frameworks = {service.framework for service in chosen if service.database == database}
        assert frameworks == {"fastapi", "flask"}, database
    return chosen


def service_name(framework: str, server: str, database: str, auth: str, observed: bool) -> str:
    chosen = [answer for answer in (framework, server, database, auth) if answer != "none"]
    return "-".join(chosen + ["observed"] * observed)


@pytest.fixture(scope="session")
def contract_postgres() -> Iterator[PostgresServer]:
    """A server of the contract suite's own: its fault tests stop and freeze it."""
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def collector() -> Iterator[Collector]:
    """Where the services with tracing send their spans."""
    with running_collector() as running:
        yield running


@pytest.fixture(scope="session")
def services(
    tmp_path_factory: pytest.TempPathFactory,
    contract_postgres: PostgresServer,
    collector: Collector,
) -> Iterator[list[Service]]:
    # mktemp first: it is not safe to call from several threads.
    names = [service_name(*answers) for answers in SERVICES]
    folders = [tmp_path_factory.mktemp(name) for name in names]

    def prepare(answers: tuple[str, str, str, str, bool], folder: Path) -> ProjectEnvironment:
        framework, server, database, auth, observed = answers
        destination = folder / "project"
        render(destination, {**ANSWERS, "framework": framework, "server": server,
                             "database": database, "auth": auth, "metrics": observed,
                             "tracing": observed})  # fmt: skip
        return build_environment(destination)

    # Rendering and installing is mostly waiting on uv: a few at a time.
    with ThreadPoolExecutor(max_workers=4) as pool:
        environments = list(pool.map(prepare, SERVICES, folders))
    with ExitStack() as stack:
        started = []
        for name, answers, environment in zip(names, SERVICES, environments, strict=True):
            framework, server, database, auth, observed = answers
            settings = dict(SETTINGS)
            if database == "postgresql":
                settings["DATABASE_URL"] = contract_postgres.create_database(name.replace("-", "_"))
            variables = tracing_variables(collector.url) if observed else {}
            running = stack.enter_context(production_server(environment, settings, variables))
            started.append(
                Service(
                    name, framework, server, database, running.url, environment, settings,
                    running.log_path, auth, observed, variables,
                )
            )  # fmt: skip
        yield started
