"""Updates apiseed refuses, and how: a framework switch, and migrations without --trust."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cases import FRAMEWORKS
from tests.harness import recorded_answers as answers
from tests.harness import snapshot

from .project import cli, generate
from .release import OLD, git

OTHER = {"fastapi": "flask", "flask": "fastapi"}


pytestmark = pytest.mark.parametrize(
    "project",
    [pytest.param(f, marks=pytest.mark.xdist_group(f)) for f in FRAMEWORKS],
    indirect=True,
)


@pytest.fixture
def project(request: pytest.FixtureRequest, tmp_path: Path, template_repo: Path) -> Path:
    dest = tmp_path / "team-service"
    generate("apiseed", template_repo, dest, request.param)
    return dest


def test_switching_framework_is_refused_and_changes_nothing(project: Path) -> None:
    framework = answers(project)["framework"]
    before = snapshot(project)
    result = cli("update", project, "--trust", "--defaults", "-d", f"framework={OTHER[framework]}")
    assert result.exit_code == 1
    assert (
        f"is a {framework} project; `apiseed update` does not switch it to {OTHER[framework]}"
        in result.stderr
    )
    assert "apiseed new" in result.stderr
    assert snapshot(project) == before
    assert git(project, "status", "--porcelain") == ""


def test_a_release_with_migrations_needs_trust(project: Path) -> None:
    before = snapshot(project)
    result = cli("update", project, "--defaults")
    assert result.exit_code == 4
    assert "--trust" in result.stderr
    assert snapshot(project) == before
    assert answers(project)["_commit"] == OLD
