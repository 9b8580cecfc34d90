"""The generated README's "Your own resources", followed by hand in every case of the matrix:
the sample removed exactly as it says, or a resource added as it says (copied, renamed, two
lines in app.py, a revision), and the project's linters, types and tests (coverage gate
included) pass right after."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.cases import CASES, Case
from tests.harness import ProjectEnvironment, build_environment, recorded_answers, render, run
from tests.postgres import PostgresServer

pytestmark = pytest.mark.slow

# What a reader renames in the copy, whole words or word starts (items -> orders, item_id ->
# order_id, ItemCreate -> OrderCreate, ITEMS_PATH -> ORDERS_PATH), but not the dict method.
SAMPLE_WORD = re.compile(r"\.items\(\)|(?<![A-Za-z])(items|item|Items|Item|ITEMS|ITEM)")
RENAMED = {
    "items": "orders",
    "item": "order",
    "Items": "Orders",
    "Item": "Order",
    "ITEMS": "ORDERS",
    "ITEM": "ORDER",
}

CASE_PARAMS = [
    pytest.param(case, id=case.id, marks=pytest.mark.xdist_group(case.id)) for case in CASES
]


def renamed(text: str) -> str:
    return SAMPLE_WORD.sub(lambda match: RENAMED[match[1]] if match[1] else match[0], text)


def render_case(case: Case, folder: Path) -> tuple[Path, str, Path]:
    """The case rendered into `folder`, its package name, and the package's source folder."""
    project = render(folder, case.answers)
    package: str = recorded_answers(project)["package_name"]
    return project, package, project / "src" / package


def readme_says(project: Path, *phrases: str) -> None:
    """The steps this test takes are the ones the README gives, word for word."""
    readme = " ".join((project / "README.md").read_text().split())
    for phrase in phrases:
        assert phrase in readme, phrase


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new))


def remove_from_package_import(app: Path, package: str, name: str) -> None:
    """`from <package> import ...` in app.py without `name`."""
    (names,) = re.findall(rf"^from {package} import (.*)$", app.read_text(), re.M)
    kept = ", ".join(listed for listed in names.split(", ") if listed != name)
    edit(app, f"from {package} import {names}\n", f"from {package} import {kept}\n")


def write_revision(
    case: Case,
    project: Path,
    environment: ProjectEnvironment,
    postgres: PostgresServer,
    message: str,
) -> None:
    """The revision, written as README's Database section says: the development database at
    head first; for a PostgreSQL project, a PostgreSQL database of one's own."""
    readme_says(project, "uv run alembic upgrade head", "uv run alembic revision --autogenerate")
    env = dict(environment.env)
    if case.database == "postgresql":
        package = recorded_answers(project)["package_name"]
        readme_says(project, f"Run them with `{package.upper()}_DATABASE_URL` set to a PostgreSQL")
        name = f"{case.id}-{project.name}-development".replace("-", "_")
        env[f"{package.upper()}_DATABASE_URL"] = postgres.create_database(name)
    alembic = environment.tool("alembic")
    run([alembic, "upgrade", "head"], project, env)
    run([alembic, "revision", "--autogenerate", "-m", message], project, env)


def check(
    case: Case, project: Path, environment: ProjectEnvironment, postgres: PostgresServer
) -> str:
    """ruff, ruff format, mypy --strict and pytest (on PostgreSQL for a PostgreSQL project)."""
    for tool in (["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]):
        run([environment.tool(tool[0]), *tool[1:]], project, environment.env)
    test_env = dict(environment.env)
    if case.database == "postgresql":
        package = recorded_answers(project)["package_name"]
        database = f"{case.id}-{project.name}".replace("-", "_")
        test_env[f"{package.upper()}_TEST_DATABASE_URL"] = postgres.create_database(database)
    output = run(
        [str(environment.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, test_env
    )
    assert " passed" in output
    return output


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_removing_the_sample_as_the_readme_says_leaves_every_check_green(
    case: Case, postgres: PostgresServer, tmp_path: Path
) -> None:
    project, package, source = render_case(case, tmp_path / "removed")
    app = source / "app.py"

    readme_says(project, f"Delete `src/{package}/items/` and `tests/test_items.py`")
    shutil.rmtree(source / "items")
    (project / "tests" / "test_items.py").unlink()
    if case.framework == "flask":
        import_line, include_line = (
            f"from {package}.items import items",
            "app.register_blueprint(items)",
        )
        readme_says(project, f"delete the lines `{import_line}` and `{include_line}`")
        edit(app, f"{import_line}\n", "")
    else:
        include_line = "app.include_router(items.router)"
        readme_says(project, f"take `items` out of the `from {package} import ...` line")
        readme_says(project, f"delete the line `{include_line}`")
        remove_from_package_import(app, package, "items")
    edit(app, f"    {include_line}\n", "")
    environment = build_environment(project)
    if case.database != "none":
        readme_says(project, 'uv run alembic revision --autogenerate -m "drop items"')
        write_revision(case, project, environment, postgres, "drop items")

    output = check(case, project, environment, postgres)

    assert "items" not in (source / "app.py").read_text()
    assert "test_items.py" not in output


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_a_resource_added_by_hand_as_the_readme_says_passes_every_check(
    case: Case, postgres: PostgresServer, tmp_path: Path
) -> None:
    project, package, source = render_case(case, tmp_path / "by-hand")
    app = source / "app.py"

    readme_says(
        project,
        f"Copy `src/{package}/items/` to `orders/`",
        "`tests/test_items.py` to `tests/test_orders.py`",
        "rename `items`, `item` and `Item` to `orders`, `order` and `Order`",
        "`uv run ruff format . && uv run ruff check --fix .` rewraps the lines",
    )
    shutil.copytree(source / "items", source / "orders")
    for path in (source / "orders").glob("*.py"):
        path.write_text(renamed(path.read_text()))
    tests = project / "tests"
    (tests / "test_orders.py").write_text(renamed((tests / "test_items.py").read_text()))
    if case.framework == "flask":
        import_line = f"from {package}.orders import orders"
        include_line = "app.register_blueprint(orders)"
        readme_says(project, f"Add two lines to `app.py`: `{import_line}` and `{include_line}`")
        items_import = f"from {package}.items import items\n"
        edit(app, items_import, f"{items_import}{import_line}\n")
        edit(
            app,
            "    app.register_blueprint(items)\n",
            f"    app.register_blueprint(items)\n    {include_line}\n",
        )
    else:
        include_line = "app.include_router(orders.router)"
        readme_says(
            project,
            f"Add two lines to `app.py`: `orders` in the `from {package} import ...` line and "
            f"`{include_line}`",
        )
        (names,) = re.findall(rf"^from {package} import (.*)$", app.read_text(), re.M)
        edit(app, f"import {names}\n", f"import {names}, orders\n")  # ruff puts it in order
        edit(
            app,
            "    app.include_router(items.router)\n",
            f"    app.include_router(items.router)\n    {include_line}\n",
        )
    environment = build_environment(project)
    run([environment.tool("ruff"), "format", "."], project, environment.env)
    run([environment.tool("ruff"), "check", "--fix", "."], project, environment.env)
    if case.database != "none":
        readme_says(project, 'uv run alembic revision --autogenerate -m "add orders"')
        write_revision(case, project, environment, postgres, "add orders")
        (revision,) = (source / "migrations" / "versions").glob("*_add_orders.py")
        assert 'op.create_table(\n        "orders"' in revision.read_text()

    output = check(case, project, environment, postgres)

    assert "test_orders.py" not in output  # no failure or error names the new tests
    assert "test_orders.py" in run(
        [
            str(environment.python),
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "--no-cov",
            "-p",
            "no:cacheprovider",
        ],
        project,
        environment.env,
    )
