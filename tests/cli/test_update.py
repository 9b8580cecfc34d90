"""`apiseed update`: the full cycle, conflicts, and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from apiseed.updating import find_conflicts
from tests.harness import snapshot

from .conftest import Run, git


def readme(template: Path) -> Path:
    return template / "template_fastapi" / "README.md.jinja"


def retitle(template: Path, words: str) -> None:
    """A template change far from the user's edit (which is at the end of the README)."""
    text = readme(template).read_text()
    readme(template).write_text(
        text.replace("{{ project_name }}", "{{ project_name }} " + words, 1)
    )


def release(template: Path, tag: str) -> None:
    git(template, "commit", "--quiet", "-am", f"Template {tag}")
    git(template, "tag", tag)


@pytest.fixture
def project(run: Run, template: Path, isolated: Path) -> Path:
    """A project generated at 0.1.0, committed, with one user edit committed."""
    result = run("new", "svc", "--preset", "fastapi", "--template", template)
    assert result.exit_code == 0, result.output
    dest = isolated / "svc"
    with (dest / "README.md").open("a") as file:
        file.write("\nOur own notes.\n")
    git(dest, "commit", "--quiet", "-am", "User notes")
    return dest


def test_update_brings_template_changes_and_keeps_user_edits(
    run: Run, template: Path, project: Path
) -> None:
    readme(template).write_text(readme(template).read_text().replace("MIT", "Apache-2.0"))
    release(template, "0.2.0")
    result = run("update", project)
    assert result.exit_code == 0, result.output
    text = (project / "README.md").read_text()
    assert "Apache-2.0" in text
    assert "Our own notes." in text
    assert "_commit: 0.2.0" in (project / ".copier-answers.yml").read_text()
    assert "from template 0.1.0 to 0.2.0" in result.stdout
    assert "git diff" in result.stdout


def test_update_defaults_to_the_current_folder(
    run: Run, template: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    retitle(template, "More.")
    release(template, "0.2.0")
    monkeypatch.chdir(project)
    result = run("update", "--defaults")
    assert result.exit_code == 0, result.output
    assert "More." in (project / "README.md").read_text()


def test_up_to_date(run: Run, project: Path) -> None:
    result = run("update", project)
    assert result.exit_code == 0, result.output
    assert "is up to date with the template (0.1.0)" in result.stdout


def test_vcs_ref_on_update(run: Run, template: Path, project: Path) -> None:
    retitle(template, "Two.")
    release(template, "0.2.0")
    readme(template).write_text(readme(template).read_text().replace("MIT", "Three."))
    release(template, "0.3.0")
    result = run("update", project, "--vcs-ref", "0.2.0")
    assert result.exit_code == 0, result.output
    text = (project / "README.md").read_text()
    assert "Two." in text
    assert "Three." not in text


def test_conflicts_are_listed_and_fail(run: Run, template: Path, project: Path) -> None:
    # The user and the template change the same line.
    user_readme = project / "README.md"
    user_readme.write_text(user_readme.read_text().replace("License: MIT", "License: ours"))
    git(project, "commit", "--quiet", "-am", "Our license")
    readme(template).write_text(readme(template).read_text().replace("MIT", "Apache-2.0"))
    release(template, "0.2.0")
    result = run("update", project)
    assert result.exit_code == 1
    assert "README.md  (unmerged)" in result.stderr
    assert "<<<<<<<" in result.stderr  # how to resolve them
    assert "<<<<<<< " in user_readme.read_text()


def test_find_conflicts_sees_markers_and_rej_files(tmp_path: Path) -> None:
    git(tmp_path, "init", "--quiet")
    (tmp_path / "a.py").write_text("x = 1\n<<<<<<< before updating\ny\n=======\nz\n>>>>>>> after\n")
    (tmp_path / "b.py.rej").write_text("@@ hunk\n")
    (tmp_path / "c.py").write_text("fine\n")
    (tmp_path / "d.bin").write_bytes(b"\xff\xfe<<<<<<< \x00")
    found = find_conflicts(tmp_path, ["a.py", "b.py.rej", "c.py", "d.bin"])
    assert found == [("a.py", "conflict markers"), ("b.py.rej", "rejected hunk")]


def test_framework_switch_is_refused(run: Run, template: Path, project: Path) -> None:
    retitle(template, "More.")
    release(template, "0.2.0")
    before = snapshot(project)
    result = run("update", project, "-d", "framework=flask")
    assert result.exit_code == 1
    assert "does not switch it to flask" in result.stderr
    assert snapshot(project) == before


def test_update_with_data_changes_an_answer(run: Run, template: Path, project: Path) -> None:
    retitle(template, "More.")
    release(template, "0.2.0")
    result = run("update", project, "-d", "docker=false")
    assert result.exit_code == 0, result.output
    assert "docker: false" in (project / ".copier-answers.yml").read_text()


def test_update_needs_trust_for_tasks(run: Run, template: Path, project: Path) -> None:
    config = template / "copier.yml"
    config.write_text(config.read_text() + '\n_tasks:\n  - "true"\n')
    release(template, "0.2.0")
    before = snapshot(project)
    refused = run("update", project)
    assert refused.exit_code == 4
    assert "--trust" in refused.stderr
    assert snapshot(project) == before
    trusted = run("update", project, "--trust")
    assert trusted.exit_code == 0, trusted.output
