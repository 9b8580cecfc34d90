"""Generate at 1.0.0, edit and commit like a team does, update to 1.1.0, and check the result.

Every framework, through `apiseed new`/`apiseed update` and through Copier's own
`run_copy`/`run_update`. One xdist group per framework: each project is updated once per
worker and shared by the checks below.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cases import FRAMEWORKS
from tests.harness import recorded_answers as answers

from .conftest import Once
from .project import FLOWS, Update, edit_like_a_user, generate, router, update
from .release import CONTRIBUTING, NEW, OLD, ROUTER_DOCSTRING, git, template_files


@dataclass
class Updated:
    framework: str
    flow: str
    project: Path
    template: Path
    kept: dict[str, str]
    history: list[str]
    result: Update


PARAMS = [
    pytest.param(
        (framework, flow), id=f"{framework}-{flow}", marks=pytest.mark.xdist_group(framework)
    )
    for framework in FRAMEWORKS
    for flow in FLOWS
]


# Marks on fixture params do not reach pytest-xdist: parametrize the tests (indirectly).
pytestmark = pytest.mark.parametrize("updated", PARAMS, indirect=True)


@pytest.fixture
def updated(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    template_repo: Path,
    once: Once,
) -> Updated:
    framework, flow = request.param

    def make() -> Updated:
        project = tmp_path_factory.mktemp(f"{framework}-{flow}") / "team-service"
        generate(flow, template_repo, project, framework)
        kept = edit_like_a_user(project)
        history = git(project, "rev-list", "--all").split()
        result = update(flow, project)
        return Updated(framework, flow, project, template_repo, kept, history, result)

    updated: Updated = once(("updated", framework, flow), make)
    return updated


def test_the_update_succeeds(updated: Updated) -> None:
    assert updated.result.exit_code == 0, updated.result.output
    if updated.flow == "apiseed":
        assert f"from template {OLD} to {NEW}" in updated.result.output
        assert "git diff" in updated.result.output


def test_user_edits_are_kept(updated: Updated) -> None:
    for name, text in updated.kept.items():
        assert text in (updated.project / name).read_text(), name


def test_template_changes_arrived(updated: Updated) -> None:
    project = updated.project
    assert (project / "CONTRIBUTING.md").read_text() == CONTRIBUTING.replace(
        "{{ project_name }}", "Team Service"
    )
    pyproject = (project / "pyproject.toml").read_text()
    assert '"pytest>=' in pyproject
    assert '"pytest~=' not in pyproject
    # The changed line arrived in a module the user edited too (further down).
    assert router(project).read_text().splitlines()[0] == ROUTER_DOCSTRING


def test_the_renamed_answer_was_migrated(updated: Updated) -> None:
    recorded = answers(updated.project)
    assert recorded["_commit"] == NEW
    assert recorded["dockerfile"] is True
    assert "docker" not in recorded
    assert recorded["framework"] == updated.framework
    # The project keeps its Dockerfile: the answer was carried over, not reset.
    if any("Dockerfile" in name for name in template_files()):
        assert (updated.project / "Dockerfile").is_file()


def test_the_projects_history_is_kept_and_no_template_history_is_pulled_in(
    updated: Updated,
) -> None:
    project = updated.project
    assert git(project, "rev-list", "--all").split() == updated.history
    assert len(updated.history) == 2  # generated, then the team's changes
    assert git(project, "tag", "--list") == ""
    for commit in git(updated.template, "rev-list", "--all").split():
        found = git(project, "cat-file", "-t", commit, check=False)
        assert found == "", f"template commit {commit} is in the project"


def test_the_changes_are_left_for_review(updated: Updated) -> None:
    status = git(updated.project, "status", "--porcelain").splitlines()
    assert sorted(status) == sorted(
        [
            " M .copier-answers.yml",
            " M pyproject.toml",
            f" M {router(updated.project).relative_to(updated.project).as_posix()}",
            "?? CONTRIBUTING.md",
        ]
    )


def test_no_rejects_no_conflicts(updated: Updated) -> None:
    project = updated.project
    assert list(project.rglob("*.rej")) == []
    assert git(project, "ls-files", "--unmerged") == ""
    for path in project.rglob("*"):
        if path.is_file() and ".git" not in path.relative_to(project).parts:
            text = path.read_bytes()
            assert b"<<<<<<< " not in text, path
            assert b">>>>>>> " not in text, path
