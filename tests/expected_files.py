"""The files each answer set must produce: no more, no fewer."""

from typing import Any

COMMON = {
    ".copier-answers.yml",
    ".env.example",
    ".gitignore",
    "README.md",
    "pyproject.toml",
    "src/{pkg}/__init__.py",
    "src/{pkg}/__main__.py",
    "src/{pkg}/app.py",
    "src/{pkg}/docs.py",
    "src/{pkg}/errors.py",
    "src/{pkg}/headers.py",
    "src/{pkg}/health.py",
    "src/{pkg}/items/__init__.py",
    "src/{pkg}/items/repository.py",
    "src/{pkg}/items/schemas.py",
    "src/{pkg}/logs.py",
    "src/{pkg}/middleware.py",
    "src/{pkg}/openapi.py",
    "src/{pkg}/pagination.py",
    "src/{pkg}/probes.py",
    "src/{pkg}/problem.py",
    "src/{pkg}/py.typed",
    "src/{pkg}/server.py",
    "src/{pkg}/settings.py",
    "tests/__init__.py",
    "tests/conftest.py",
    "tests/echo.py",
    "tests/problems.py",
    "tests/test_cors.py",
    "tests/test_docs.py",
    "tests/test_errors.py",
    "tests/test_health.py",
    "tests/test_items.py",
    "tests/test_logging.py",
    "tests/test_main.py",
    "tests/test_openapi.py",
    "tests/test_production_server.py",
    "tests/test_request_id.py",
    "tests/test_server.py",
    "tests/test_settings.py",
}

BY_FRAMEWORK = {
    "fastapi": {
        "src/{pkg}/items/router.py",
        "src/{pkg}/routing.py",
    },
    "flask": {
        "src/{pkg}/api.py",
        "src/{pkg}/items/blueprint.py",
        "src/{pkg}/validation.py",
    },
}

BY_SERVER = {
    "gunicorn": {"src/{pkg}/gunicorn_conf.py"},
}

DOCKER = {"Dockerfile", ".dockerignore"}
GITHUB = {".github/workflows/ci.yml", ".github/dependabot.yml"}
COMPOSE = {"compose.yaml"}
KUBERNETES = {
    "deploy/kubernetes/deployment.yaml",
    "deploy/kubernetes/hpa.yaml",
    "deploy/kubernetes/kustomization.yaml",
    "deploy/kubernetes/pdb.yaml",
    "deploy/kubernetes/service.yaml",
    "deploy/kubernetes/settings.env",
}

IN_MEMORY = {"src/{pkg}/memory.py", "tests/test_memory.py"}
DATABASE = {
    "src/{pkg}/database.py",
    "src/{pkg}/items/models.py",
    "src/{pkg}/migrations/__init__.py",
    "src/{pkg}/migrations/env.py",
    "src/{pkg}/migrations/script.py.mako",
    "src/{pkg}/migrations/versions/apiseed_0001_create_items.py",
    "src/{pkg}/models.py",
    "tests/test_database.py",
    "tests/test_migrations.py",
}
AUTH = {"src/{pkg}/auth.py", "tests/test_auth.py"}
METRICS = {"src/{pkg}/metrics.py", "tests/test_metrics.py"}
TRACING = {"src/{pkg}/tracing.py", "tests/test_tracing.py"}


def expected_files(answers: dict[str, Any]) -> set[str]:
    """The relative paths a render with these (complete) answers must contain."""
    paths = COMMON | BY_FRAMEWORK[answers["framework"]] | BY_SERVER.get(answers["server"], set())
    if answers["docker"]:
        paths |= DOCKER
    paths |= IN_MEMORY if answers.get("database", "none") == "none" else DATABASE
    if answers.get("auth", "none") != "none":
        paths |= AUTH
    if answers.get("metrics", False):
        paths |= METRICS
    if answers.get("tracing", False):
        paths |= TRACING
    if answers.get("ci", "none") == "github":
        paths |= GITHUB
    if answers.get("compose", False):
        paths |= COMPOSE
    if answers.get("kubernetes", False):
        paths |= KUBERNETES
    return {path.format(pkg=answers["package_name"]) for path in paths}
