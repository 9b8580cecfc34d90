"""`apiseed new`: answers, defaults, git, pretend, force, templates and version refs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from apiseed import cli, template
from tests.harness import render, snapshot

from .conftest import REPO, Run, git

FULL_ANSWERS = [
    "-d", "project_name=Billing API",
    "-d", "description=Bills things.",
    "-d", "author_name=Ops",
    "-d", "author_email=ops@example.com",
    "-d", "python_version=3.12",
]  # fmt: skip


def answers(project: Path) -> dict[str, object]:
    from apiseed.questionnaire import read_yaml

    data = read_yaml(project / ".copier-answers.yml")
    assert isinstance(data, dict)
    return data


def uv_on_path(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `uv` resolvable on PATH (a stub: apiseed only looks it up)."""
    folder.mkdir()
    stub = folder / "uv"
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def test_new_with_preset_and_data(
    run: Run, shared_template: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uv_on_path(isolated.parent / "bin", monkeypatch)
    result = run(
        "new", "svc", "--preset", "flask", "-d", "project_name=Billing API",
        "--template", shared_template,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    recorded = answers(isolated / "svc")
    assert recorded["framework"] == "flask"
    assert recorded["server"] == "granian"
    assert recorded["docker"] is True
    assert recorded["project_name"] == "Billing API"
    assert recorded["package_name"] == "billing_api"
    assert recorded["_src_path"] == str(shared_template)
    assert recorded["_commit"] == "0.1.0"
    assert "Created Billing API (flask on granian)" in result.stdout
    assert "Initialized a git repository" in result.stdout
    assert "cd svc" in result.stdout
    assert "uv run python -m billing_api" in result.stdout
    assert "uv run pytest" in result.stdout
    assert "uv.lock: commit it" in result.stdout
    # One commit holding everything, and a clean tree: ready for `apiseed update`.
    assert git(isolated / "svc", "log", "--format=%s").strip().startswith("Generate billing-api")
    assert git(isolated / "svc", "status", "--porcelain") == ""
    # Nothing but the project is left next to it (no staging folder).
    assert sorted(p.name for p in isolated.iterdir()) == ["svc"]


def test_next_steps_without_uv_use_a_venv_and_pip(
    run: Run, shared_template: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_git = isolated.parent / "bin"
    only_git.mkdir()
    (only_git / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    monkeypatch.setenv("PATH", str(only_git))
    result = run("new", "svc", "-d", "project_name=Billing API", "--template", shared_template)
    assert result.exit_code == 0, result.output
    steps = result.stdout.split("Next steps:")[1]
    assert "python -m venv .venv && . .venv/bin/activate" in steps
    assert "pip install -e . --group dev" in steps
    assert "python -m billing_api" in steps
    assert "uv" not in steps


def test_data_wins_over_preset(run: Run, shared_template: Path, isolated: Path) -> None:
    result = run(
        "new", "svc", "--preset", "fastapi", "-d", "server=granian", "-d", "kubernetes=no",
        "--template", shared_template,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    recorded = answers(isolated / "svc")
    assert (recorded["server"], recorded["kubernetes"]) == ("granian", False)


def test_defaults_from_folder_name_and_running_python(
    run: Run, shared_template: Path, isolated: Path
) -> None:
    result = run("new", "demo-service", "--defaults", "--template", shared_template)
    assert result.exit_code == 0, result.output
    recorded = answers(isolated / "demo-service")
    assert recorded["project_name"] == "demo-service"
    assert recorded["package_name"] == "demo_service"
    assert recorded["python_version"] == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert recorded["framework"] == "fastapi"  # copier.yml's default


def test_preset_file_with_extends(
    run: Run, shared_template: Path, isolated: Path, tmp_path: Path
) -> None:
    shared = tmp_path / "team-preset.toml"
    shared.write_text(
        'description = "Team"\nextends = "flask-minimal"\n[answers]\nauthor_name = "Team"\n'
    )
    result = run("new", "svc", "--preset-file", shared, "--template", shared_template)
    assert result.exit_code == 0, result.output
    recorded = answers(isolated / "svc")
    assert (recorded["framework"], recorded["docker"], recorded["author_name"]) == (
        "flask", False, "Team",
    )  # fmt: skip


def test_no_git(run: Run, shared_template: Path, isolated: Path) -> None:
    result = run("new", "svc", "--no-git", "--template", shared_template)
    assert result.exit_code == 0, result.output
    assert not (isolated / "svc" / ".git").exists()
    assert "Skipped git init (--no-git)" in result.stderr


def test_inside_an_existing_repository_skips_git_init(
    run: Run, shared_template: Path, isolated: Path
) -> None:
    git(isolated, "init", "--quiet")
    result = run("new", "services/svc", "--template", shared_template)
    assert result.exit_code == 0, result.output
    assert not (isolated / "services" / "svc" / ".git").exists()
    assert "inside the git repository" in result.stderr


def test_pretend_writes_nothing(run: Run, shared_template: Path, isolated: Path) -> None:
    result = run("new", "svc", "--pretend", "--preset", "flask", "--template", shared_template)
    assert result.exit_code == 0, result.output
    assert "Would create svc (flask on granian)" in result.stdout
    assert "  .copier-answers.yml" in result.stdout
    assert "Would run git init" in result.stdout
    assert list(isolated.iterdir()) == []


def test_missing_parent_folders_are_created(
    run: Run, shared_template: Path, isolated: Path
) -> None:
    result = run("new", "a/b/svc", "--template", shared_template)
    assert result.exit_code == 0, result.output
    assert (isolated / "a" / "b" / "svc" / ".copier-answers.yml").is_file()


def test_failure_removes_the_parent_folders_it_created(
    run: Run, shared_template: Path, isolated: Path
) -> None:
    result = run("new", "a/b/svc", "-d", "author_email=nope", "--template", shared_template)
    assert result.exit_code == 2
    assert list(isolated.iterdir()) == []


def test_empty_existing_dest_is_fine(run: Run, shared_template: Path, isolated: Path) -> None:
    (isolated / "svc").mkdir()
    result = run("new", "svc", "--template", shared_template)
    assert result.exit_code == 0, result.output
    assert (isolated / "svc" / ".git").is_dir()


def test_force_adds_beside_existing_files(run: Run, shared_template: Path, isolated: Path) -> None:
    dest = isolated / "svc"
    dest.mkdir()
    (dest / "NOTES.txt").write_text("mine\n")
    result = run("new", "svc", "--force", "--template", shared_template)
    assert result.exit_code == 0, result.output
    assert (dest / "NOTES.txt").read_text() == "mine\n"
    assert (dest / "README.md").is_file()
    assert "did not write; they are not committed" in result.stderr
    # Only apiseed's files are committed.
    assert "NOTES.txt" not in git(dest, "ls-files")


def test_force_never_replaces_a_different_file(
    run: Run, shared_template: Path, isolated: Path
) -> None:
    dest = isolated / "svc"
    dest.mkdir()
    (dest / "README.md").write_text("my readme\n")
    before = snapshot(dest)
    result = run("new", "svc", "--force", "--template", shared_template)
    assert result.exit_code == 1
    assert "would replace" in result.stderr
    assert "README.md" in result.stderr
    assert snapshot(dest) == before
    assert sorted(p.name for p in dest.iterdir()) == ["README.md"]


def test_relative_template_is_recorded_absolute(
    run: Run, shared_template: Path, isolated: Path
) -> None:
    relative = os.path.relpath(shared_template, isolated)
    result = run("new", "svc", "--template", relative)
    assert result.exit_code == 0, result.output
    assert answers(isolated / "svc")["_src_path"] == str(shared_template)


def test_template_from_environment(
    run: Run, shared_template: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APISEED_TEMPLATE", str(shared_template))
    result = run("new", "svc")
    assert result.exit_code == 0, result.output
    assert answers(isolated / "svc")["_src_path"] == str(shared_template)


def test_default_template_is_the_checkout() -> None:
    assert template.checkout_root() == REPO
    assert template.resolve_template(None).src == str(REPO)


def test_vcs_ref_picks_a_template_version(run: Run, template: Path, isolated: Path) -> None:
    (template / "template_fastapi" / "README.md.jinja").write_text("# {{ project_name }} v2\n")
    git(template, "commit", "--quiet", "-am", "v2")
    git(template, "tag", "0.2.0")
    latest = run("new", "new", "--template", template)
    pinned = run("new", "old", "--template", template, "--vcs-ref", "0.1.0")
    assert (latest.exit_code, pinned.exit_code) == (0, 0)
    assert answers(isolated / "new")["_commit"] == "0.2.0"
    assert answers(isolated / "old")["_commit"] == "0.1.0"
    assert "v2" not in (isolated / "old" / "README.md").read_text()


def test_answers_are_checked_against_the_rendered_version(
    run: Run, template: Path, isolated: Path
) -> None:
    # Release 0.2.0 renames `docker`; 0.1.0 and a preset that answers `docker` still go together.
    copier_yml = template / "copier.yml"
    copier_yml.write_text(copier_yml.read_text().replace("\ndocker:\n", "\ndockerfile:\n"))
    git(template, "commit", "--quiet", "-am", "Rename docker to dockerfile")
    git(template, "tag", "0.2.0")

    pinned = run("new", "old", "--template", template, "--vcs-ref", "0.1.0", "--preset", "fastapi")
    latest = run("new", "new", "--template", template, "--preset", "fastapi")

    assert pinned.exit_code == 0, pinned.output
    assert answers(isolated / "old")["docker"] is True
    assert latest.exit_code == 2
    assert 'unknown question "docker"' in latest.output


def test_dirty_template_notes(run: Run, template: Path) -> None:
    (template / "copier.yml").write_text((template / "copier.yml").read_text() + "\n# wip\n")
    ignored = run("new", "a", "--template", template)
    assert "uncommitted changes; they are not used" in ignored.stderr
    included = run("new", "b", "--template", template, "--vcs-ref", "HEAD")
    assert "uncommitted changes and they are included" in included.stderr


def test_git_identity_fallback(
    run: Run, shared_template: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = isolated.parent / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var)
    result = run("new", "svc", "--template", shared_template)
    assert result.exit_code == 0, result.output
    assert (
        git(isolated / "svc", "log", "--format=%an <%ae>").strip() == "apiseed <apiseed@localhost>"
    )


def test_interactive_asks_only_what_is_open(
    run: Run, shared_template: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    # Everything answered: Copier has nothing to ask, even with a terminal.
    done = run("new", "svc", "--preset", "fastapi", *FULL_ANSWERS,
               "-d", "project_slug=billing", "-d", "package_name=billing",
               "--template", shared_template)  # fmt: skip
    assert done.exit_code == 0, done.output
    # Open questions are asked: here the prompt finds no real terminal and says so.
    asked = run("new", "other", "--preset", "fastapi", "--template", shared_template)
    assert asked.exit_code == 1
    assert "no terminal to ask" in asked.stderr
    assert not (isolated / "other").exists()
    # --defaults asks nothing.
    quiet = run("new", "third", "--defaults", "--template", shared_template)
    assert quiet.exit_code == 0, quiet.output


def test_interactive_checks_given_answers_before_asking(
    run: Run, shared_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    result = run("new", "svc", "-d", "project_slug=Not A Slug", "--template", shared_template)
    assert result.exit_code == 2
    assert "--data: project_slug" in result.stderr


def test_trust_required_for_tasks(run: Run, template: Path, isolated: Path) -> None:
    config = template / "copier.yml"
    config.write_text(config.read_text() + '\n_tasks:\n  - "touch task-ran"\n')
    git(template, "commit", "--quiet", "-am", "tasks")
    git(template, "tag", "0.2.0")
    refused = run("new", "svc", "--template", template)
    assert refused.exit_code == 4
    assert "--trust" in refused.stderr
    assert not (isolated / "svc").exists()
    trusted = run("new", "svc", "--template", template, "--trust")
    assert trusted.exit_code == 0, trusted.output
    assert (isolated / "svc" / "task-ran").exists()


def test_verbose_shows_the_cause(run: Run, shared_template: Path) -> None:
    result = run("--verbose", "new", "svc", "-d", "author_email=x", "--template", shared_template,
                 traceback_ok=True)  # fmt: skip
    assert result.exit_code == 2
    assert "ValueError" in result.stderr
    assert "Error: --data: author_email" in result.stderr


def test_installed_command_runs() -> None:
    # The console script, as a user runs it (a subprocess, not CliRunner).
    result = subprocess.run(
        [sys.executable, "-m", "apiseed", "presets"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "fastapi-minimal" in result.stdout


def test_a_dest_the_enclosing_repository_ignores_gets_its_own(
    run: Run, shared_template: Path, isolated: Path
) -> None:
    # `make demo` in a clone of apiseed: demo-service/ is in apiseed's .gitignore.
    git(isolated, "init", "--quiet")
    (isolated / ".gitignore").write_text("/demo-service/\n")
    result = run("new", "demo-service", "--template", shared_template)
    assert result.exit_code == 0, result.output
    assert (isolated / "demo-service" / ".git").is_dir()
    assert git(isolated / "demo-service", "status", "--porcelain") == ""
    assert "inside the git repository" not in result.stderr


def test_a_folder_name_the_template_refuses_is_not_the_default(
    run: Run, shared_template: Path, isolated: Path
) -> None:
    result = run("new", 'say "hi"', "--template", shared_template)
    assert result.exit_code == 0, result.output
    assert answers(isolated / 'say "hi"')["project_name"] == "My Service"  # copier.yml's
    assert 'the folder name "say "hi"" is not a valid project_name' in result.stderr
    assert "must not contain double quotes" in result.stderr


def test_an_untagged_template_renders_head_without_copiers_warning(
    run: Run, template: Path, isolated: Path
) -> None:
    git(template, "tag", "--delete", "0.1.0")
    result = run("new", "svc", "--template", template)
    assert result.exit_code == 0, result.output
    assert "No git tags" not in result.output
    commit = str(answers(isolated / "svc")["_commit"])
    assert git(template, "rev-parse", "--short", "HEAD").strip().startswith(commit[:7])


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_next_steps_are_the_generated_readmes_quickstart(framework: str, tmp_path: Path) -> None:
    """The CLI prints the commands of the README it just generated: uv's, or pip's."""
    project = render(tmp_path / "project", {"project_name": "Billing API", "framework": framework})
    quickstart = (project / "README.md").read_text().split("## Quickstart", 1)[1].split("\n## ")[0]
    blocks = [
        [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]
        for block in re.findall(r"```bash\n(.*?)```", quickstart, re.S)
    ]
    with_uv = [command for command, _ in cli.next_steps("billing_api", uv=True)]
    with_pip = [command for command, _ in cli.next_steps("billing_api", uv=False)]
    assert blocks[:2] == [with_uv, with_pip]
