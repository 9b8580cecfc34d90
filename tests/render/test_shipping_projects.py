"""The shipping files against the service they ship, for the matrix cases that have them:
every variable they set is a setting the service reads, the pods' and compose's environments
migrate an empty PostgreSQL database and serve every probe, and the CI jobs' own commands pass
here.

Slow: each case's environment is built once (tests/render/conftest.py) and shared with the
other modules of its xdist group.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cases import CASES, Case
from tests.credentials import auth_settings
from tests.harness import UV, ProjectEnvironment, production_server, run
from tests.postgres import PostgresServer
from tests.shipping import Shipped, seconds

pytestmark = pytest.mark.slow


def params(option: str) -> list[Any]:
    return [
        pytest.param(case, id=case.id, marks=pytest.mark.xdist_group(case.id))
        for case in CASES
        if case.answers.get(option, False) not in (False, "none")
    ]


# What the settings are, asked of the project's own Settings class: the variable each field is
# read from, with its default.
SETTINGS_SCRIPT = """
import json
from {package}.settings import Settings

prefix = Settings.model_config.get("env_prefix", "")
settings = {{}}
for name, field in Settings.model_fields.items():
    alias = field.validation_alias if isinstance(field.validation_alias, str) else None
    default = field.get_default(call_default_factory=True)
    if hasattr(default, "get_secret_value"):
        default = default.get_secret_value()
    settings[(alias or prefix + name).upper()] = default
print(json.dumps(settings, default=str))
"""


def settings_of(project: ProjectEnvironment, shipped: Shipped) -> dict[str, Any]:
    output = run(
        [str(project.python), "-c", SETTINGS_SCRIPT.format(package=shipped.package)],
        project.project,
        project.env,
    )
    settings: dict[str, Any] = json.loads(output)
    return settings


@pytest.fixture
def shipped_project(
    request: pytest.FixtureRequest, built_project: Callable[[Case], ProjectEnvironment]
) -> tuple[ProjectEnvironment, Shipped]:
    project = built_project(request.param)
    return project, Shipped(project.project)


def variables_set(shipped: Shipped) -> dict[str, set[str]]:
    """Every variable of the service's prefix that a shipping file sets, by file."""
    found: dict[str, set[str]] = {}
    answers = shipped.answers
    if answers["ci"] == "github":
        names = set()
        for job in shipped.workflow["jobs"].values():
            names |= set(job.get("env", {}))
            for step in job["steps"]:
                names |= set(step.get("env", {}))
                names |= {word.split("=")[0] for word in step.get("run", "").split()}
        found["ci.yml"] = names
    if answers["compose"]:
        found["compose.yaml"] = {
            name
            for service in shipped.compose["services"].values()
            for name in service.get("environment", {})
        }
    if answers["kubernetes"]:
        pod = shipped.pod
        found["deploy/kubernetes"] = {
            name
            for container in pod["containers"] + pod["initContainers"]
            for name in shipped.container_environment(container)
        }
    if answers["docker"]:
        found["Dockerfile"] = set(shipped.image_environment)
    return {
        where: {name for name in names if name.startswith(shipped.prefix)}
        for where, names in found.items()
    }


@pytest.mark.parametrize("shipped_project", params("kubernetes"), indirect=True)
def test_every_variable_the_shipping_files_set_is_a_setting(
    shipped_project: tuple[ProjectEnvironment, Shipped],
) -> None:
    project, shipped = shipped_project
    settings = set(settings_of(project, shipped))
    # The project's tests read one more: the database they run on (tests/conftest.py).
    test_variables = {f"{shipped.prefix}TEST_DATABASE_URL"}
    conftest = (project.project / "tests" / "conftest.py").read_text()
    assert 'f"{ENV_PREFIX}TEST_DATABASE_URL"' in conftest

    found = variables_set(shipped)
    assert set(found) >= {"compose.yaml", "deploy/kubernetes", "Dockerfile"}
    for where, names in found.items():
        unknown = names - settings - (test_variables if where == "ci.yml" else set())
        assert not unknown, f"{where} sets {sorted(unknown)}, which the service does not read"


@pytest.mark.parametrize("shipped_project", params("compose"), indirect=True)
def test_the_files_fit_the_settings_defaults_they_leave_alone(
    shipped_project: tuple[ProjectEnvironment, Shipped],
) -> None:
    project, shipped = shipped_project
    defaults = settings_of(project, shipped)
    app = shipped.compose["services"]["app"]
    graceful_timeout = {**defaults, **app.get("environment", {})}[
        f"{shipped.prefix}GRACEFUL_TIMEOUT"
    ]

    assert seconds(app["stop_grace_period"]) > int(graceful_timeout)
    # Compose reaches the service from outside its container.
    assert shipped.image_environment[f"{shipped.prefix}HOST"] == "0.0.0.0"


def serve_and_probe(
    project: ProjectEnvironment,
    shipped: Shipped,
    environment: Mapping[str, str],
    paths: list[str],
) -> None:
    """Migrate with the given environment, start the service with it, and GET every path.

    The migration sees that environment alone, so it fails if a setting production needs (the
    database, credentials) is missing; the server then gets the same settings.
    """
    env = {**project.env, **environment}
    run([str(project.python), *shipped.migrate_command[1:]], project.project, env)
    settings = {
        name.removeprefix(shipped.prefix): value
        for name, value in environment.items()
        if name.startswith(shipped.prefix)
        # The harness's free loopback port instead of the file's.
        and name not in {f"{shipped.prefix}HOST", f"{shipped.prefix}PORT"}
    }
    with production_server(project, settings) as server:
        for path in paths:
            # Probes send no credentials: the health endpoints stay open.
            answer = httpx.get(f"{server.url}{path}", timeout=10)
            assert answer.status_code == 200, (path, answer.text, server.log())
        log = server.log()
    if environment.get(f"{shipped.prefix}LOG_FORMAT") == "json":
        for line in filter(None, log.splitlines()):
            json.loads(line)


@pytest.mark.parametrize("shipped_project", params("kubernetes"), indirect=True)
def test_the_pods_environment_migrates_and_answers_every_probe(
    shipped_project: tuple[ProjectEnvironment, Shipped], postgres: PostgresServer
) -> None:
    project, shipped = shipped_project
    container = shipped.container
    url = postgres.create_database(f"{project.project.parent.name}_pods".replace("-", "_"))
    # What the README's `kubectl create secret` puts under each key, as the tests' values.
    secrets = {
        "database-url": url,
        "api-keys": auth_settings("api-key")["API_KEYS"],
        "jwt-secret": auth_settings("jwt")["JWT_SECRET"],
    }
    environment = {}
    for name, value in shipped.container_environment(container).items():
        if value.startswith("secret:"):
            key = value.rpartition("/")[2]
            assert key in secrets, f"{name}: no test value for the Secret's key {key}"
            value = secrets[key]
        environment[name] = value
    probes = [container[probe]["httpGet"]["path"] for probe in ("startupProbe", "livenessProbe")]
    probes.append(container["readinessProbe"]["httpGet"]["path"])

    serve_and_probe(project, shipped, environment, probes)


# Compose's interpolation of a variable with a default, `${NAME:-default}`.
COMPOSE_DEFAULT = re.compile(r"\$\{\w+:-([^}]*)\}")


def unset_default(value: object) -> str:
    """A compose value as the service gets it when none of the variables it names is set."""
    return COMPOSE_DEFAULT.sub(lambda match: match[1], str(value))


@pytest.mark.parametrize("shipped_project", params("compose"), indirect=True)
def test_the_compose_environment_migrates_and_answers_the_health_check(
    shipped_project: tuple[ProjectEnvironment, Shipped], postgres: PostgresServer
) -> None:
    project, shipped = shipped_project
    url = postgres.create_database(f"{project.project.parent.name}_compose".replace("-", "_"))
    app = shipped.compose["services"]["app"]
    # The image's variables, then compose's; the database is the test server's.
    composed = {name: unset_default(value) for name, value in app.get("environment", {}).items()}
    environment = {**shipped.image_environment, **composed}
    environment[f"{shipped.prefix}DATABASE_URL"] = url
    health_check = "/" + shipped.image_health_check_url.split("/", 3)[3]

    serve_and_probe(project, shipped, environment, [health_check, "/health/ready"])


# The actions a job may use that the runner provides here as they are: the code is checked out,
# and uv is on the PATH.
PROVIDED_ACTIONS = ("actions/checkout@", "astral-sh/setup-uv@")


@pytest.mark.parametrize("shipped_project", params("ci"), indirect=True)
def test_the_ci_jobs_commands_pass_here(
    request: pytest.FixtureRequest,
    shipped_project: tuple[ProjectEnvironment, Shipped],
    postgres: PostgresServer,
) -> None:
    """The jobs' steps, run as written (`uv run ...`) in the project: the test matrix on the
    project's own Python, PostgreSQL on the test server.

    The lint and test jobs are the same for every project and run the tools test_generated_projects
    runs on every case, so they run here for the first case only; the postgresql job for each.
    """
    project, shipped = shipped_project
    jobs = shipped.workflow["jobs"]
    first = request.node.callspec.params["shipped_project"] == params("ci")[0].values[0]
    names = ("lint", "test", "postgresql") if first else ("postgresql",)
    url = postgres.create_database(f"{project.project.parent.name}_ci".replace("-", "_"))
    path = os.pathsep.join([str(project.bin), str(Path(UV).parent), project.env["PATH"]])
    env = {**project.env, "PATH": path, "UV_PYTHON_DOWNLOADS": "never"}

    ran = []
    for name in names:
        if name not in jobs:
            continue
        for step in jobs[name]["steps"]:
            if "uses" in step:
                assert step["uses"].startswith(PROVIDED_ACTIONS), step["uses"]
                continue
            variables = {**jobs[name].get("env", {}), **step.get("env", {})}
            step_env = {
                **env,
                **{
                    key: url if str(value).startswith("postgresql://") else str(value)
                    for key, value in variables.items()
                },
            }
            result = subprocess.run(
                ["bash", "-e", "-c", step["run"]],
                cwd=project.project,
                env=step_env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert result.returncode == 0, (
                f"{name}: {step['run']}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
            ran.append(step["run"])

    assert "uv run pytest" in ran
