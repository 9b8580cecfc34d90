"""Render every case with pytest-copie and check what was written, before anything runs."""

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.cases import CASES, Case
from tests.expected_files import expected_files
from tests.harness import REPO_ROOT, recorded_answers

JINJA_LEFTOVER = re.compile(r"\{\{ *\w|\{%|%\}|\{#")


def files_in(project: Path) -> set[str]:
    return {str(path.relative_to(project)) for path in project.rglob("*") if path.is_file()}


@pytest.fixture(params=CASES, ids=lambda case: case.id)
def rendered(request: pytest.FixtureRequest, copie: Any) -> tuple[Case, Path]:
    case: Case = request.param
    result = copie.copy(extra_answers=case.answers)
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    return case, Path(result.project_dir)


def test_exactly_the_expected_files(rendered: tuple[Case, Path]) -> None:
    _, project = rendered

    assert files_in(project) == expected_files(recorded_answers(project))


def test_no_template_syntax_is_left(rendered: tuple[Case, Path]) -> None:
    _, project = rendered

    for path in project.rglob("*"):
        assert ".jinja" not in path.name
        if path.is_file() and path.suffix != ".yml":
            leftovers = JINJA_LEFTOVER.findall(path.read_text())
            assert not leftovers, f"{path.relative_to(project)}: {leftovers}"


def test_answers_are_recorded_for_updates(rendered: tuple[Case, Path]) -> None:
    case, project = rendered

    answers = recorded_answers(project)
    for question, value in case.answers.items():
        assert answers[question] == value
    assert Path(answers["_src_path"]).is_absolute()
    assert answers["_commit"]


def test_python_version_reaches_every_tool(rendered: tuple[Case, Path]) -> None:
    _, project = rendered
    answers = recorded_answers(project)
    version = answers["python_version"]

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">={version}"
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + version.replace(".", "")
    assert pyproject["tool"]["mypy"]["python_version"] == version
    if answers["docker"]:
        dockerfile = (project / "Dockerfile").read_text()
        assert f"FROM python:{version}-slim" in dockerfile


def test_the_production_command_is_the_same_everywhere(rendered: tuple[Case, Path]) -> None:
    _, project = rendered
    package = recorded_answers(project)["package_name"]
    command = f"python -m {package}"

    assert command in (project / "README.md").read_text()
    if (project / "Dockerfile").exists():
        assert f'CMD ["python", "-m", "{package}"]' in (project / "Dockerfile").read_text()


def test_env_example_lists_every_setting(rendered: tuple[Case, Path]) -> None:
    _, project = rendered
    prefix = recorded_answers(project)["package_name"].upper() + "_"
    listed = set(re.findall(rf"^{prefix}(\w+)=", (project / ".env.example").read_text(), re.M))

    assert {"ENVIRONMENT", "HOST", "PORT", "WORKERS", "LOG_LEVEL", "LOG_FORMAT"} <= listed
    assert {"DOCS_ENABLED", "CORS_ORIGINS", "MAX_BODY_BYTES"} <= listed


def test_template_file_names_are_portable() -> None:
    # Windows refuses these characters in file names; a double quote in a name also breaks the
    # Python that Jinja compiles an inline `if` of that file into.
    forbidden = set('"<>|?*\\')
    for template in ("template_fastapi", "template_flask"):
        for path in (REPO_ROOT / template).rglob("*"):
            name = path.relative_to(REPO_ROOT).as_posix()
            assert not forbidden & set(name), name


INLINE_IF = re.compile(r"\{\{((?:(?!\}\}).)*?) if ((?:(?!\}\}).)*?)\}\}")


def test_every_inline_if_has_an_else() -> None:
    # Jinja compiles an inline `if` without `else` into Python that quotes the template's file
    # name; a name holding a quote, as conditional files do ({% if x != 'none' %}), then breaks.
    for folder in ("template_fastapi", "template_flask", "includes"):
        for path in (REPO_ROOT / folder).rglob("*.jinja"):
            for match in INLINE_IF.finditer(path.read_text()):
                assert " else " in match[0], f"{path.relative_to(REPO_ROOT)}: {match[0]}"
