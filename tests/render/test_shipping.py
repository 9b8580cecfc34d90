"""The shipping files, checked offline without running the service: the CI workflow and
compose.yaml against their published schemas, the workflow by zizmor, the Dockerfile by
hadolint, every Kubernetes object strictly against the oldest and newest Kubernetes schemas we
support, and the files against each other.

Every combination of the options is rendered here (renders only, no environment to build);
tests/render/test_shipping_projects.py checks the same files against a running service.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from apiseed.questionnaire import load_questions
from tests.cases import CASES, FRAMEWORKS
from tests.harness import REPO_ROOT, render
from tests.shipping import (
    COMPOSE,
    DEPENDABOT,
    KUBERNETES,
    WORKFLOW,
    Shipped,
    seconds,
)

# The oldest Kubernetes the manifests support (the pre-stop `sleep` action is on by default
# from 1.30) and the newest kubernetes-validate ships schemas for.
KUBERNETES_VERSIONS = ("1.30", "1.37")
# PostgreSQL's defaults: max_connections, of which superuser_reserved_connections are kept.
POSTGRESQL_MAX_CONNECTIONS = 100 - 3
TIMES = "\N{MULTIPLICATION SIGN}"  # as the README writes the connection count
BIN = Path(sys.executable).parent

SHIPPING_OPTIONS = ("ci", "compose", "kubernetes")
# The matrix cases with shipping options, and the combinations no matrix case has.
VARIANTS = {
    case.id: case.answers
    for case in CASES
    if any(case.answers.get(option, False) not in (False, "none") for option in SHIPPING_OPTIONS)
}
for framework in FRAMEWORKS:
    VARIANTS |= {
        f"{framework}-ci-memory-no-docker": {
            "framework": framework,
            "database": "none",
            "docker": False,
            "ci": "github",
            "python_version": "3.13",
        },
        f"{framework}-ci-sqlite-image": {
            "framework": framework,
            "database": "sqlite",
            "ci": "github",
        },
        f"{framework}-ci-kubernetes-without-compose-apikey": {
            "framework": framework,
            "database": "postgresql",
            "auth": "api-key",
            "ci": "github",
            "kubernetes": True,
        },
        f"{framework}-compose-only-apikey": {
            "framework": framework,
            "database": "postgresql",
            "auth": "api-key",
            "compose": True,
        },
    }
VARIANTS["fastapi-kubernetes-digit-slug"] = {
    "project_name": "3D Printer Farm",
    "database": "postgresql",
    "kubernetes": True,
}

PARAMS = [
    pytest.param(answers, id=name, marks=pytest.mark.xdist_group(f"shipping-{name}"))
    for name, answers in VARIANTS.items()
]


def having(wanted: Callable[[dict[str, Any]], bool]) -> list[Any]:
    """The variants whose answers (copier.yml's defaults filled in) are wanted."""
    defaults = {"database": "none", "docker": True, "ci": "none"}
    defaults |= {"compose": False, "kubernetes": False}
    return [param for param in PARAMS if wanted({**defaults, **param.values[0]})]  # type: ignore[dict-item]


CI = having(lambda answers: answers["ci"] == "github")
COMPOSED = having(lambda answers: answers["compose"])
KUBERNETES_VARIANTS = having(lambda answers: answers["kubernetes"])
DOCKER = having(lambda answers: answers["docker"])


_RENDERS: dict[str, Shipped] = {}


@pytest.fixture
def shipped(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Shipped:
    """The variant rendered once per test process."""
    answers: dict[str, Any] = request.param
    key = repr(sorted(answers.items()))
    if key not in _RENDERS:
        destination = tmp_path_factory.mktemp("shipping") / "project"
        _RENDERS[key] = Shipped(render(destination, {"project_name": "Stock Keeper", **answers}))
    return _RENDERS[key]


def tool(name: str, *args: str, cwd: Path) -> str:
    result = subprocess.run(
        [str(BIN / name), *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{name} {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


# --- The CI workflow ---------------------------------------------------------------------------


@pytest.mark.parametrize("shipped", CI, indirect=True)
def test_the_workflow_matches_github_s_published_schema(shipped: Shipped) -> None:
    project = shipped.project
    tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", WORKFLOW, cwd=project)
    # Every job has a timeout (GitHub's default is six hours).
    tool("check-jsonschema", "--builtin-schema", "custom.github-workflows-require-timeout",
         WORKFLOW, cwd=project)  # fmt: skip
    tool("check-jsonschema", "--builtin-schema", "vendor.dependabot", DEPENDABOT, cwd=project)


@pytest.mark.parametrize("shipped", CI, indirect=True)
def test_zizmor_finds_nothing_in_the_workflow(shipped: Shipped) -> None:
    tool("zizmor", "--offline", "--no-progress", ".github", cwd=shipped.project)


@pytest.mark.parametrize("shipped", CI, indirect=True)
def test_actions_are_pinned_by_commit_with_their_version(shipped: Shipped) -> None:
    uses = re.findall(r"uses: (\S+)(.*)", (shipped.project / WORKFLOW).read_text())

    assert uses
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), f"{action}: no version comment"


@pytest.mark.parametrize("shipped", CI, indirect=True)
def test_the_tests_run_on_every_supported_python(shipped: Shipped) -> None:
    choices = [str(choice) for choice in load_questions(REPO_ROOT)["python_version"].choices or ()]
    supported = choices[choices.index(shipped.answers["python_version"]) :]
    test = shipped.workflow["jobs"]["test"]

    assert test["strategy"]["matrix"]["python"] == supported
    # GitHub's expressions survive Jinja.
    setup_uv = next(step for step in test["steps"] if "setup-uv" in step.get("uses", ""))
    assert setup_uv["with"]["python-version"] == "${{ matrix.python }}"
    assert shipped.workflow["concurrency"]["group"] == "ci-${{ github.ref }}"


@pytest.mark.parametrize("shipped", CI, indirect=True)
def test_no_jinja_is_left_in_the_workflow(shipped: Shipped) -> None:
    text = (shipped.project / WORKFLOW).read_text()

    assert not re.findall(r"\{%|%\}|\{#|#\}", text)
    # Left: GitHub's ${{ expressions }} and docker's --format '{{.Go.Template}}'.
    assert not re.findall(r"(?<!\$)\{\{(?!\.)", text)


@pytest.mark.parametrize("shipped", CI, indirect=True)
def test_the_jobs_follow_the_answers(shipped: Shipped) -> None:
    answers = shipped.answers
    jobs = shipped.workflow["jobs"]
    postgresql = answers["database"] == "postgresql"

    expected = {"lint", "test"} | ({"postgresql"} if postgresql else set())
    assert set(jobs) == expected | ({"image"} if answers["docker"] else set())
    assert shipped.workflow["permissions"] == {"contents": "read"}
    for job in jobs.values():
        checkout = job["steps"][0]
        assert checkout["uses"].startswith("actions/checkout@")
        assert checkout["with"] == {"persist-credentials": False}
    if postgresql:
        runs = [step["run"] for step in jobs["postgresql"]["steps"] if "run" in step]
        assert runs == [
            f"uv run {' '.join(shipped.migrate_command)}",
            "uv run alembic check",
            "uv run pytest",
        ]
        assert f"{shipped.prefix}TEST_DATABASE_URL" in jobs["postgresql"]["env"]
    if answers["docker"]:
        image_runs = " ".join(step.get("run", "") for step in jobs["image"]["steps"])
        assert ("docker compose up" in image_runs) == answers["compose"]
        assert "/health/ready" in image_runs


# --- compose.yaml ------------------------------------------------------------------------------


@pytest.mark.parametrize("shipped", COMPOSED, indirect=True)
def test_compose_matches_the_compose_specification(shipped: Shipped) -> None:
    tool("check-jsonschema", "--builtin-schema", "vendor.compose-spec", COMPOSE,
         cwd=shipped.project)  # fmt: skip


@pytest.mark.parametrize("shipped", COMPOSED, indirect=True)
def test_compose_migrates_once_then_starts_the_service(shipped: Shipped) -> None:
    services = shipped.compose["services"]
    db, migrate, app = services["db"], services["migrate"], services["app"]
    port = int(shipped.image_environment[f"{shipped.prefix}PORT"])

    assert migrate["command"] == shipped.migrate_command
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert app["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert "command" not in app, "the service runs the image's production command"
    assert migrate["build"] == app["build"] == "."
    assert migrate["image"] == app["image"]
    assert app["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert db["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]


@pytest.mark.parametrize("shipped", COMPOSED, indirect=True)
def test_compose_keeps_postgresql_data_where_its_image_writes_it(shipped: Shipped) -> None:
    db = shipped.compose["services"]["db"]
    major = int(db["image"].split(":")[1].split(".")[0])
    (volume,) = db["volumes"]
    name, mount = volume.split(":")

    assert name in shipped.compose["volumes"]
    # From PostgreSQL 18 the images keep data in a folder per major version below
    # /var/lib/postgresql; mounting the old /var/lib/postgresql/data makes them refuse to start.
    assert mount == ("/var/lib/postgresql" if major >= 18 else "/var/lib/postgresql/data")


@pytest.mark.parametrize("shipped", COMPOSED, indirect=True)
def test_compose_gives_the_service_its_graceful_timeout(shipped: Shipped) -> None:
    app = shipped.compose["services"]["app"]
    environment = app.get("environment", {})
    # Settings' default, unless compose sets it (test_settings_defaults_are_what_the_files_assume).
    graceful_timeout = int(environment.get(f"{shipped.prefix}GRACEFUL_TIMEOUT", 30))

    assert seconds(app["stop_grace_period"]) > graceful_timeout


# --- The Dockerfile ----------------------------------------------------------------------------


@pytest.mark.parametrize("shipped", DOCKER, indirect=True)
def test_hadolint_finds_nothing_in_the_dockerfile(shipped: Shipped) -> None:
    tool("hadolint", "--failure-threshold", "style", "Dockerfile", cwd=shipped.project)


@pytest.mark.parametrize("shipped", DOCKER, indirect=True)
def test_the_image_runs_the_production_command_as_its_own_user(shipped: Shipped) -> None:
    dockerfile = (shipped.project / "Dockerfile").read_text()

    assert shipped.image_command == ["python", "-m", shipped.package]
    assert shipped.image_user == (10001, 10001)
    created = re.search(r"useradd .*--uid (\d+) --gid (\d+)", dockerfile)
    assert created, "the image creates its user"
    assert (int(created[1]), int(created[2])) == shipped.image_user
    assert shipped.image_health_check_url.endswith("/health/live")
    # The lock when the project has one, and bytecode compiled at build time.
    assert "COPY pyproject.toml README.md uv.lock* ./" in dockerfile
    assert "uv sync --locked --no-dev --no-editable" in dockerfile
    assert "UV_COMPILE_BYTECODE=1" in dockerfile


# --- Kubernetes --------------------------------------------------------------------------------


@pytest.mark.parametrize("shipped", KUBERNETES_VARIANTS, indirect=True)
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_kubernetes_object_matches_the_strict_schema(shipped: Shipped, version: str) -> None:
    # As written, and as kustomize builds them (the ConfigMap exists only there).
    written = [item for items in shipped.kubernetes_files().values() for item in items]
    for item in written + shipped.objects:
        validate_strictly(item, version)


def validate_strictly(item: dict[str, Any], version: str) -> None:
    """Unknown fields and API versions the Kubernetes version does not serve both fail.

    (kubernetes-validate's command line only warns about a missing schema and exits 0.)
    """
    where = f"{item['kind']} {item['metadata']['name']} ({item['apiVersion']})"
    try:
        kubernetes_validate.validate(item, version, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        pytest.fail(f"{where}: Kubernetes {version} does not serve this API version")
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        pytest.fail(f"{where} on Kubernetes {version}: {path}: {error.message}")


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_strict_validation_refuses_a_typo_and_a_removed_api(version: str) -> None:
    typo = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "svc"},
        "spec": {"selectr": {"app": "svc"}},
    }
    removed = {
        "apiVersion": "autoscaling/v2beta1",  # removed in Kubernetes 1.25
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "svc"},
        "spec": {"maxReplicas": 2, "scaleTargetRef": {"kind": "Deployment", "name": "svc"}},
    }
    for item, complaint in ((typo, "selectr"), (removed, "does not serve")):
        with pytest.raises(pytest.fail.Exception, match=complaint):
            validate_strictly(item, version)


@pytest.mark.parametrize("shipped", KUBERNETES_VARIANTS, indirect=True)
def test_kustomize_lists_every_manifest(shipped: Shipped) -> None:
    kustomization = shipped.yaml(f"{KUBERNETES}/kustomization.yaml")

    assert sorted(kustomization["resources"]) == sorted(shipped.kubernetes_files())
    kinds = sorted(item["kind"] for item in shipped.objects)
    assert kinds == [
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Service",
    ]


@pytest.mark.parametrize("shipped", KUBERNETES_VARIANTS, indirect=True)
def test_names_are_valid_service_names(shipped: Shipped) -> None:
    for item in shipped.objects:
        name = item["metadata"]["name"]
        # RFC 1035 label (a Service's name); the others accept it too.
        assert re.fullmatch(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?", name), name


@pytest.mark.parametrize("shipped", KUBERNETES_VARIANTS, indirect=True)
def test_the_service_the_autoscaler_and_the_budget_find_the_pods(shipped: Shipped) -> None:
    deployment = shipped.object("Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    service = shipped.object("Service")["spec"]
    autoscaler = shipped.object("HorizontalPodAutoscaler")["spec"]
    budget = shipped.object("PodDisruptionBudget")["spec"]
    port_names = {port["name"] for port in shipped.container["ports"]}

    assert selector.items() <= labels.items()
    assert service["selector"].items() <= labels.items()
    assert budget["selector"]["matchLabels"].items() <= labels.items()
    assert {port["targetPort"] for port in service["ports"]} <= port_names
    assert autoscaler["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert 2 <= autoscaler["minReplicas"] <= autoscaler["maxReplicas"]
    assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"


@pytest.mark.parametrize("shipped", KUBERNETES_VARIANTS, indirect=True)
def test_the_pods_run_the_image_as_it_is_built(shipped: Shipped) -> None:
    pod, container = shipped.pod, shipped.container
    environment = shipped.container_environment(container)
    (http,) = container["ports"]
    (migrate,) = pod["initContainers"]

    assert "command" not in container, "the container runs the image's production command"
    assert (pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"]) == (
        shipped.image_user
    )
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert http["containerPort"] == int(environment[f"{shipped.prefix}PORT"])
    assert environment[f"{shipped.prefix}HOST"] == "0.0.0.0"
    assert migrate["command"] == shipped.migrate_command
    assert migrate["image"] == container["image"]
    assert shipped.container_environment(migrate) == environment
    if shipped.answers["compose"]:
        assert migrate["command"] == shipped.compose["services"]["migrate"]["command"]


@pytest.mark.parametrize("shipped", KUBERNETES_VARIANTS, indirect=True)
def test_the_containers_are_locked_down_with_a_writable_tmp(shipped: Shipped) -> None:
    pod = shipped.pod
    mounts = {mount["mountPath"]: mount["name"] for mount in shipped.container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod["volumes"]}

    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    for container in pod["containers"] + pod["initContainers"]:
        assert container["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
        assert container["resources"]["requests"].keys() == {"cpu", "memory"}
        assert container["resources"]["limits"].keys() == {"memory"}
    assert "emptyDir" in volumes[mounts["/tmp"]]


@pytest.mark.parametrize("shipped", KUBERNETES_VARIANTS, indirect=True)
def test_probes_and_shutdown_fit_the_service_s_timeouts(shipped: Shipped) -> None:
    container = shipped.container
    environment = shipped.container_environment(container)
    prefix = shipped.prefix
    startup, live, ready = (
        container[probe]["httpGet"] for probe in ("startupProbe", "livenessProbe", "readinessProbe")
    )
    pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    graceful_timeout = int(environment[f"{prefix}GRACEFUL_TIMEOUT"])

    assert (startup["path"], live["path"], ready["path"]) == (
        "/health/live",
        "/health/live",
        "/health/ready",
    )
    assert {startup["port"], live["port"], ready["port"]} == {"http"}
    # The readiness probe outlasts the database check behind /health/ready.
    ready_timeout = float(environment[f"{prefix}DATABASE_READY_TIMEOUT"])
    assert container["readinessProbe"]["timeoutSeconds"] > ready_timeout
    # SIGKILL comes only after the pause and the graceful timeout.
    assert shipped.pod["terminationGracePeriodSeconds"] > pre_stop + graceful_timeout
    # One process per pod: the autoscaler scales, and the migration is not run at start-up.
    assert environment[f"{prefix}WORKERS"] == "1"
    assert environment[f"{prefix}MIGRATE_ON_START"] == "false"
    assert environment[f"{prefix}ENVIRONMENT"] == "production"
    assert environment[f"{prefix}DATABASE_URL"].startswith("secret:")


@pytest.mark.parametrize("shipped", KUBERNETES_VARIANTS, indirect=True)
def test_the_autoscaler_has_cpu_requests_and_the_database_enough_connections(
    shipped: Shipped,
) -> None:
    environment = shipped.container_environment(shipped.container)
    prefix = shipped.prefix
    autoscaler = shipped.object("HorizontalPodAutoscaler")["spec"]
    (metric,) = autoscaler["metrics"]
    surge = shipped.object("Deployment")["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
    per_process = int(environment[f"{prefix}DATABASE_POOL_SIZE"]) + int(
        environment[f"{prefix}DATABASE_MAX_OVERFLOW"]
    )
    processes = (autoscaler["maxReplicas"] + surge) * int(environment[f"{prefix}WORKERS"])

    # Utilization is a share of the request: without one the autoscaler never acts.
    assert metric["resource"]["name"] == "cpu"
    assert "cpu" in shipped.container["resources"]["requests"]
    # Every pod at the maximum, plus one more during a rollout, each with a full pool.
    assert processes * per_process <= POSTGRESQL_MAX_CONNECTIONS


@pytest.mark.parametrize("shipped", KUBERNETES_VARIANTS, indirect=True)
def test_the_comments_state_the_connection_count(shipped: Shipped) -> None:
    environment = shipped.container_environment(shipped.container)
    prefix = shipped.prefix
    autoscaler = shipped.object("HorizontalPodAutoscaler")["spec"]
    surge = shipped.object("Deployment")["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
    pool = int(environment[f"{prefix}DATABASE_POOL_SIZE"])
    overflow = int(environment[f"{prefix}DATABASE_MAX_OVERFLOW"])
    workers = int(environment[f"{prefix}WORKERS"])
    total = (autoscaler["maxReplicas"] + surge) * workers * (pool + overflow)
    text = (shipped.project / KUBERNETES / "settings.env").read_text()
    readme = (shipped.project / "README.md").read_text()

    assert (
        f"({autoscaler['maxReplicas']} + {surge}) x {workers} x ({pool} + {overflow}) = {total}"
        in text
    )
    assert (
        f"({autoscaler['maxReplicas']} replicas at most + {surge} during a rollout) "
        f"{TIMES} {workers} {TIMES} ({pool} + {overflow}) = {total}" in readme
    )


@pytest.mark.parametrize("shipped", KUBERNETES_VARIANTS, indirect=True)
def test_the_readme_s_commands_fit_the_manifests(shipped: Shipped) -> None:
    readme = (shipped.project / "README.md").read_text()
    deployment = shipped.object("Deployment")
    secrets = {
        (
            variable["valueFrom"]["secretKeyRef"]["name"],
            variable["valueFrom"]["secretKeyRef"]["key"],
        )
        for container in shipped.pod["containers"] + shipped.pod["initContainers"]
        for variable in container.get("env", [])
        if "valueFrom" in variable
    }
    created = {
        (name, key)
        for name, options in re.findall(r"kubectl create secret generic (\S+)(.*)", readme)
        for key in re.findall(r"--from-literal=([\w.-]+)=", options)
    }

    assert created == secrets
    assert f"kubectl rollout status deployment/{deployment['metadata']['name']}" in readme
    assert "kubectl apply -k deploy/kubernetes" in readme
    assert f"python -m {shipped.package} migrate" in readme


def test_a_render_without_the_options_has_none_of_their_files(tmp_path: Path) -> None:
    project = render(tmp_path / "project", {"database": "postgresql"})

    for path in (WORKFLOW, DEPENDABOT, COMPOSE, KUBERNETES):
        assert not (project / path).exists(), path
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["ci"] == "none"
