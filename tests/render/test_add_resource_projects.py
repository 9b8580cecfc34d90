"""`apiseed add resource orders` in every case of the matrix (both frameworks, each database):
right after it, the project's own linters, types and tests pass, and its production server
lists and creates orders."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from apiseed.cli import main
from tests.cases import CASES, Case
from tests.harness import build_environment, production_server, recorded_answers, render, run
from tests.postgres import PostgresServer

pytestmark = pytest.mark.slow


def database_settings(case: Case, postgres: PostgresServer, folder: Path) -> dict[str, str]:
    if case.database == "postgresql":
        return {"DATABASE_URL": postgres.create_database(f"{case.id}-orders".replace("-", "_"))}
    if case.database == "sqlite":
        return {"DATABASE_URL": f"sqlite:///{folder / 'orders.db'}"}
    return {}


@pytest.mark.parametrize(
    "case",
    [pytest.param(case, id=case.id, marks=pytest.mark.xdist_group(case.id)) for case in CASES],
)
def test_an_added_resource_passes_the_projects_checks_and_serves(
    case: Case, postgres: PostgresServer, tmp_path: Path
) -> None:
    project = render(tmp_path / "project", case.answers)
    # The working tree is rendered as it is, uncommitted changes included: --vcs-ref HEAD.
    added = CliRunner().invoke(
        main, ["add", "resource", "orders", "--project", str(project), "--vcs-ref", "HEAD"]
    )
    assert added.exit_code == 0, added.output
    environment = build_environment(project)
    package = recorded_answers(project)["package_name"]
    settings = database_settings(case, postgres, tmp_path)
    test_env = dict(environment.env)
    if case.database == "postgresql":
        test_env[f"{package.upper()}_TEST_DATABASE_URL"] = postgres.create_database(
            f"{case.id}-orders-tests".replace("-", "_")
        )

    for tool in (["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]):
        run([environment.tool(tool[0]), *tool[1:]], project, environment.env)
    output = run(
        [str(environment.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, test_env
    )
    assert " passed" in output
    assert "test_orders.py" not in output  # no failure or error names the new tests
    with production_server(environment, settings) as server:
        created = httpx.post(
            f"{server.url}/api/v1/orders",
            json={"name": "Lamp", "price": 2.5},
            headers=server.credentials,
        )
        page = httpx.get(f"{server.url}/api/v1/orders", headers=server.credentials)

    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"/api/v1/orders/{created.json()['id']}"
    assert page.status_code == 200
    assert page.json() == {"orders": [created.json()], "total": 1, "limit": 20, "offset": 0}
