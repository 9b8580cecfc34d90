"""Questions added since the first release change nothing in a project that never answered them.

A throw-away template repository: 1.0.0 is this working tree as it would be without the new
questions (each one computed from its default and not recorded, exactly like a question that
does not exist yet), 1.1.0 is this working tree. A project generated at 1.0.0 is updated with
`--defaults`, through apiseed and through Copier: its answers gain the new questions at their
defaults, and not one other file changes.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.cases import FRAMEWORKS
from tests.harness import REPO_ROOT, recorded_answers

from .project import FLOWS, generate, update
from .release import NEW, OLD, git, template_files

# Questions the first release (0.1.0) did not ask, each with the answer older projects keep.
NEW_QUESTIONS = {
    "database": "none",
    "auth": "none",
    "metrics": False,
    "tracing": False,
    "ci": "none",
    "compose": False,
    "kubernetes": False,
}


def without_new_questions(copier_yml: str) -> str:
    """Each new question turned into a value that is computed and never recorded (`when: false`)."""
    for name in NEW_QUESTIONS:
        block = re.compile(rf"^{name}:\n(?:  .*\n)+", re.M)
        assert block.search(copier_yml), f"no question {name} in copier.yml"
        copier_yml = block.sub(lambda m: m[0] + "  when: false\n", copier_yml)
    return copier_yml


@pytest.fixture(scope="module")
def template_without_then_with(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("new-questions") / "template"
    root.mkdir()
    for name in template_files():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, target)
    current = (root / "copier.yml").read_text()
    (root / "copier.yml").write_text(without_new_questions(current))
    git(root, "init", "--quiet")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", f"Template release {OLD}, before the new questions")
    git(root, "tag", OLD)
    (root / "copier.yml").write_text(current)
    git(root, "commit", "--quiet", "-am", f"Template release {NEW}: the new questions")
    git(root, "tag", NEW)
    return root


def test_the_defaults_keep_what_older_projects_do() -> None:
    questions = yaml.safe_load((REPO_ROOT / "copier.yml").read_text())
    for name, kept in NEW_QUESTIONS.items():
        assert questions[name]["default"] == kept, name


@pytest.mark.slow
@pytest.mark.parametrize("flow", FLOWS)
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_an_update_adds_the_answers_and_changes_no_file(
    template_without_then_with: Path, tmp_path: Path, framework: str, flow: str
) -> None:
    project = tmp_path / "older-service"
    generate(flow, template_without_then_with, project, framework)
    before = recorded_answers(project)
    assert not set(NEW_QUESTIONS) & set(before)

    result = update(flow, project)

    assert result.exit_code == 0, result.output + result.stderr
    after = recorded_answers(project)
    assert after == {**before, "_commit": NEW, **NEW_QUESTIONS}
    changed = git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert changed == [" M .copier-answers.yml"]
