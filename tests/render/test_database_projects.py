"""Projects with a database: their tests on PostgreSQL, data across restarts, migrations that
work from an installed wheel, run safely side by side, and new revisions that pass the linters."""

from __future__ import annotations

import contextlib
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.cases import CASES, Case
from tests.credentials import auth_settings
from tests.harness import (
    UV,
    ProjectEnvironment,
    clean_environment,
    production_server,
    recorded_answers,
    run,
)
from tests.postgres import PostgresServer

pytestmark = pytest.mark.slow

DATABASE_CASES = [case for case in CASES if case.database != "none"]
POSTGRESQL_CASES = [case for case in DATABASE_CASES if case.database == "postgresql"]


def params(cases: list[Case]) -> list[object]:
    return [
        pytest.param(case, id=case.id, marks=pytest.mark.xdist_group(case.id)) for case in cases
    ]


def prefix(project: ProjectEnvironment) -> str:
    return str(recorded_answers(project.project)["package_name"]).upper() + "_"


def database_url(
    case: Case, project: ProjectEnvironment, postgres: PostgresServer, name: str
) -> str:
    """A new, empty database for one test: on the PostgreSQL server, or a SQLite file."""
    if case.database == "postgresql":
        return postgres.create_database(f"{case.id}-{name}".replace("-", "_"))
    folder = project.project.parent / "databases"
    folder.mkdir(exist_ok=True)
    return f"sqlite:///{folder / name}.db"


@pytest.mark.parametrize("case", params(POSTGRESQL_CASES))
def test_the_projects_own_tests_pass_on_postgresql(
    case: Case, built_project: Callable[[Case], ProjectEnvironment], postgres: PostgresServer
) -> None:
    project = built_project(case)
    url = postgres.create_database(f"{case.id}-tests".replace("-", "_"))
    env = {**project.env, f"{prefix(project)}TEST_DATABASE_URL": url}

    output = run(
        [str(project.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], project.project, env
    )

    assert " passed" in output
    assert " failed" not in output


@pytest.mark.parametrize("case", params(DATABASE_CASES))
def test_an_item_survives_a_restart_of_the_service(
    case: Case, built_project: Callable[[Case], ProjectEnvironment], postgres: PostgresServer
) -> None:
    project = built_project(case)
    settings = {"DATABASE_URL": database_url(case, project, postgres, "restart")}

    with production_server(project, settings) as server:
        created = httpx.post(
            f"{server.url}/api/v1/items",
            json={"name": "Lamp", "price": 2.5},
            headers=server.credentials,
        )
    with production_server(project, settings) as server:
        read = httpx.get(f"{server.url}{created.headers['location']}", headers=server.credentials)

    assert created.status_code == 201
    assert read.json() == created.json()


@pytest.mark.parametrize("case", params(DATABASE_CASES))
def test_a_server_that_only_serves_leaves_alembic_unimported(
    case: Case, built_project: Callable[[Case], ProjectEnvironment]
) -> None:
    # Alembic is for migrating: imported by every worker, it costs each about 10 MiB.
    project = built_project(case)
    package = recorded_answers(project.project)["package_name"]
    script = (
        f"import sys\nfrom {package} import __main__ as entry_point\n"
        "entry_point.serve = lambda settings: None\n"
        "assert entry_point.main([]) == 0\n"
        "print(sorted(name for name in sys.modules if name.partition('.')[0] == 'alembic'))\n"
    )
    env = {**project.env, f"{prefix(project)}MIGRATE_ON_START": "false"}

    output = run([str(project.python), "-c", script], project.project, env)

    assert output.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("case", params(DATABASE_CASES))
def test_migrate_works_from_the_installed_wheel_anywhere(
    case: Case,
    built_project: Callable[[Case], ProjectEnvironment],
    postgres: PostgresServer,
    tmp_path: Path,
) -> None:
    project = built_project(case)
    if not project.installed:
        pytest.skip(f"no Python {case.answers['python_version']} here to install the wheel with")
    package = recorded_answers(project.project)["package_name"]
    env = clean_environment()
    run(
        [UV, "build", "--wheel", "--quiet", "--out-dir", str(tmp_path / "dist")],
        project.project,
        env,
    )
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    venv = tmp_path / "venv"
    run([UV, "venv", "--quiet", "--python", str(project.python), str(venv)], tmp_path, env)
    run([UV, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), str(wheel)],
        tmp_path, env)  # fmt: skip
    url = database_url(case, project, postgres, "wheel")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    # Production asks for the credentials even to migrate: one set of settings for every command.
    settings = {
        "DATABASE_URL": url,
        "ENVIRONMENT": "production",
        **auth_settings(case.answers.get("auth", "none")),
    }
    env.update({prefix(project) + name: value for name, value in settings.items()})

    run([str(venv / "bin" / "python"), "-m", package, "migrate"], elsewhere, env)

    assert "items" in tables(url)


@pytest.mark.parametrize("case", params(POSTGRESQL_CASES))
def test_replicas_may_all_migrate_at_once(
    case: Case, built_project: Callable[[Case], ProjectEnvironment], postgres: PostgresServer
) -> None:
    project = built_project(case)
    package = recorded_answers(project.project)["package_name"]
    url = postgres.create_database(f"{case.id}-replicas".replace("-", "_"))
    env = {**project.env, f"{prefix(project)}DATABASE_URL": url}

    migrations = [
        subprocess.Popen(
            [str(project.python), "-m", package, "migrate"],
            cwd=project.project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(4)
    ]
    outputs = [migration.communicate(timeout=120)[0].decode() for migration in migrations]

    assert [migration.returncode for migration in migrations] == [0, 0, 0, 0], outputs
    assert revisions(url) == ["apiseed_0001"]


@pytest.mark.parametrize("case", params(DATABASE_CASES))
def test_a_new_revision_from_a_changed_model_passes_the_projects_checks(
    case: Case, built_project: Callable[[Case], ProjectEnvironment], tmp_path: Path
) -> None:
    project = built_project(case)
    package = recorded_answers(project.project)["package_name"]
    copy = tmp_path / "project"
    shutil.copytree(project.project, copy, ignore=shutil.ignore_patterns(".venv", "*.db"))
    models = copy / "src" / package / "items" / "models.py"
    models.write_text(
        models.read_text().replace(
            "    tags: Mapped[list[str]] = mapped_column(JSON)\n",
            "    tags: Mapped[list[str]] = mapped_column(JSON)\n"
            "    colour: Mapped[str | None] = mapped_column(String(20))\n",
        )
    )
    env = {
        **project.env,
        "PYTHONPATH": str(copy / "src"),  # the copy, not the installed project
        "MYPYPATH": str(copy / "src"),
        f"{prefix(project)}DATABASE_URL": f"sqlite:///{tmp_path}/dev.db",
    }
    alembic = project.tool("alembic")
    run([alembic, "upgrade", "head"], copy, env)

    run([alembic, "revision", "--autogenerate", "-m", "Add a colour to items"], copy, env)

    (revision,) = (copy / "src" / package / "migrations" / "versions").glob("*add_a_colour*.py")
    # On SQLite, Alembic alters a table in batch mode (it copies the table).
    assert re.search(
        r'add_column\(\s*(?:"items",\s*)?sa\.Column\(\s*"colour"', revision.read_text()
    )
    run([project.tool("ruff"), "check", "--no-cache", "."], copy, env)
    run([project.tool("ruff"), "format", "--check", "--no-cache", "."], copy, env)
    run([project.tool("mypy"), "--no-incremental"], copy, env)
    run([alembic, "upgrade", "head"], copy, env)
    run([alembic, "check"], copy, env)


def query(url: str, sql: str) -> list[str]:
    """The first column of every row: sqlite3 for SQLite, psycopg for PostgreSQL."""
    if url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as connection:
            return [row[0] for row in connection.execute(sql)]
    with psycopg.connect(url) as connection:
        return [row[0] for row in connection.execute(sql)]


def tables(url: str) -> list[str]:
    if url.startswith("sqlite:///"):
        return query(url, "SELECT name FROM sqlite_master WHERE type = 'table'")
    return query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")


def revisions(url: str) -> list[str]:
    return query(url, "SELECT version_num FROM alembic_version")
