"""After `apiseed update` to 1.1.0, the project's own tests, lint and `mypy --strict` pass.

Slow: builds the updated project's own environment from its pyproject.toml (which now has
the template's new pin and the team's added dependency). One test per framework, so the
environment is built once whichever worker runs it (pytest-xdist's `xdist_group` has no
effect with pytest 9.2 and pytest-xdist 3.8: it sets `item._nodeid`, which pytest 9.2 no
longer reads).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cases import FRAMEWORKS
from tests.harness import build_environment, run

from .project import edit_like_a_user, generate, update


@pytest.mark.slow
@pytest.mark.parametrize(
    "framework", [pytest.param(f, marks=pytest.mark.xdist_group(f)) for f in FRAMEWORKS]
)
def test_tests_lint_and_mypy_pass_after_the_update(
    framework: str, tmp_path: Path, template_repo: Path
) -> None:
    project = tmp_path / "team-service"
    generate("apiseed", template_repo, project, framework)
    edit_like_a_user(project)
    result = update("apiseed", project)
    assert result.exit_code == 0, result.output
    environment = build_environment(project)
    env, python = environment.env, str(environment.python)

    tests = run([python, "-m", "pytest", "-v", "-p", "no:cacheprovider"], project, env)
    assert "tests/test_team.py::test_settings_as_toml PASSED" in tests  # the team's own test
    assert " failed" not in tests
    run([environment.tool("ruff"), "check", "--no-cache", "."], project, env)
    run([environment.tool("ruff"), "format", "--check", "--no-cache", "."], project, env)
    assert "Success" in run([environment.tool("mypy")], project, env)
