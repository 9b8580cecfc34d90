"""The user and the template changed the same line: the conflict is reported, nothing is lost.

1.1.0 rewrites the first line of the sample router; here the user rewrote it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from apiseed.updating import find_conflicts
from tests.cases import FRAMEWORKS
from tests.harness import recorded_answers as answers

from .conftest import Once
from .project import (
    FLOWS,
    README_NOTES,
    USER_ROUTER_DOCSTRING,
    Update,
    conflicting_edit,
    generate,
    update,
)
from .release import NEW, ROUTER_DOCSTRING, git

PARAMS = [
    pytest.param(
        (framework, flow), id=f"{framework}-{flow}", marks=pytest.mark.xdist_group(framework)
    )
    for framework in FRAMEWORKS
    for flow in FLOWS
]


@dataclass
class Conflicted:
    flow: str
    project: Path
    module: str
    history: list[str]
    result: Update


# Marks on fixture params do not reach pytest-xdist: parametrize the tests (indirectly).
pytestmark = pytest.mark.parametrize("conflicted", PARAMS, indirect=True)


@pytest.fixture
def conflicted(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    template_repo: Path,
    once: Once,
) -> Conflicted:
    framework, flow = request.param

    def make() -> Conflicted:
        project = tmp_path_factory.mktemp(f"conflict-{framework}-{flow}") / "team-service"
        generate(flow, template_repo, project, framework)
        module = conflicting_edit(project)
        history = git(project, "rev-list", "--all").split()
        return Conflicted(flow, project, module, history, update(flow, project))

    conflicted: Conflicted = once(("conflicted", framework, flow), make)
    return conflicted


def test_the_cli_fails_and_lists_the_conflicted_file(conflicted: Conflicted) -> None:
    if conflicted.flow == "copier":
        # Copier reports success even with conflicts: users must look (docs/updating.md).
        assert conflicted.result.exit_code == 0
        return
    assert conflicted.result.exit_code == 1, conflicted.result.output
    assert "the update left conflicts to resolve:" in conflicted.result.stderr
    listed = [
        line.strip()
        for line in conflicted.result.stderr.splitlines()
        if line.startswith("  ") and "(" in line
    ]
    assert listed == [f"{conflicted.module}  (unmerged)"]


def test_the_file_holds_both_sides_between_markers(conflicted: Conflicted) -> None:
    text = (conflicted.project / conflicted.module).read_text()
    ours = text.index("<<<<<<< before updating")
    middle = text.index("=======", ours)
    theirs = text.index(">>>>>>> after updating", middle)
    assert USER_ROUTER_DOCSTRING in text[ours:middle]
    assert ROUTER_DOCSTRING in text[middle:theirs]


def test_git_records_the_file_as_unmerged(conflicted: Conflicted) -> None:
    project = conflicted.project
    stages = git(project, "ls-files", "--unmerged").splitlines()
    assert {line.split("\t")[1] for line in stages} == {conflicted.module}
    assert f"UU {conflicted.module}" in git(project, "status", "--porcelain").splitlines()
    assert find_conflicts(project, [conflicted.module]) == [(conflicted.module, "unmerged")]


def test_nothing_else_is_lost(conflicted: Conflicted) -> None:
    project = conflicted.project
    assert README_NOTES.strip() in (project / "README.md").read_text()
    assert (project / "CONTRIBUTING.md").is_file()
    assert '"pytest>=' in (project / "pyproject.toml").read_text()
    assert answers(project)["_commit"] == NEW
    assert answers(project)["dockerfile"] is True
    assert list(project.rglob("*.rej")) == []
    assert git(project, "rev-list", "--all").split() == conflicted.history
