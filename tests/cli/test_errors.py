"""The bad-input table: each mistake gives one clear message, its exit code, no traceback,
and loses no file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness import snapshot

from .conftest import Run, git

Setup = Callable[[Path, Path], list[str]]


@dataclass(frozen=True)
class Case:
    id: str
    # Prepares files under the work folder; returns the command line (after `apiseed`).
    setup: Setup
    exit_code: int
    message: str


def new(*args: str) -> Setup:
    return lambda _work, template: ["new", "svc", "--template", str(template), *args]


def preset_file(text: str, *args: str) -> Setup:
    def setup(work: Path, template: Path) -> list[str]:
        (work / "team.toml").write_text(text)
        return ["new", "svc", "--template", str(template), "--preset-file", "team.toml", *args]

    return setup


def non_empty(work: Path, template: Path) -> list[str]:
    (work / "svc").mkdir()
    (work / "svc" / "keep.txt").write_text("precious\n")
    return ["new", "svc", "--template", str(template)]


def dest_is_file(work: Path, template: Path) -> list[str]:
    (work / "svc").write_text("a file\n")
    return ["new", "svc", "--template", str(template)]


def under_a_file(work: Path, template: Path) -> list[str]:
    (work / "afile").write_text("a file\n")
    return ["new", "afile/svc", "--template", str(template)]


def generated(work: Path, template: Path) -> Path:
    from click.testing import CliRunner

    from apiseed.cli import main

    result = CliRunner().invoke(main, ["new", "svc", "--template", str(template)])
    assert result.exit_code == 0, result.output
    return work / "svc"


def dirty(work: Path, template: Path) -> list[str]:
    project = generated(work, template)
    (project / "README.md").write_text("edited\n")
    (project / "new.txt").write_text("new\n")
    return ["update", str(project)]


def not_generated(work: Path, _template: Path) -> list[str]:
    (work / "plain").mkdir()
    (work / "plain" / "app.py").write_text("print('hi')\n")
    return ["update", "plain"]


def not_a_repo(work: Path, template: Path) -> list[str]:
    (work / "svc").mkdir()
    git(template, "archive", "--format=tar", "-o", str(work.parent / "t.tar"), "HEAD")
    from click.testing import CliRunner

    from apiseed.cli import main

    result = CliRunner().invoke(main, ["new", "svc", "--no-git", "--template", str(template)])
    assert result.exit_code == 0, result.output
    return ["update", "svc"]


def update_bad_ref(work: Path, template: Path) -> list[str]:
    return ["update", str(generated(work, template)), "--vcs-ref", "9.9.9"]


def update_unknown_key(work: Path, template: Path) -> list[str]:
    return ["update", str(generated(work, template)), "-d", "colour=blue"]


CASES = [
    Case("quote-in-project-name", new("-d", 'project_name=Say "hi"'), 2,
         '--data: project_name = "Say \\"hi\\"" is not allowed: project_name must not contain'),
    Case("bad-slug", new("-d", "project_slug=Bad_Slug"), 2,
         "--data: project_slug = \"Bad_Slug\" is not allowed: project_slug must be lowercase"),
    Case("keyword-package", new("-d", "package_name=class"), 2,
         'package_name "class" is a Python keyword'),
    Case("derived-package-shadows", new("-d", "project_name=flask"), 2,
         "package_name, computed from your other answers, is not allowed"),
    Case("bad-email", new("-d", "author_email=nobody"), 2, "author_email must look like"),
    Case("bad-choice", new("-d", "python_version=2.7"), 2,
         '--data: python_version = "2.7" is not one of the choices; allowed: 3.11, 3.12'),
    Case("bad-bool", new("-d", "docker=maybe"), 2, "not a yes/no value"),
    Case("unknown-data-key", new("-d", "colour=blue"), 2, '--data: unknown question "colour"'),
    Case("data-not-key-value", new("-d", "framework"), 2, '--data "framework" is not KEY=VALUE'),
    Case("unknown-preset", new("--preset", "django"), 2,
         'unknown preset "django"; available: fastapi, fastapi-minimal, flask, flask-minimal'),
    Case("preset-and-file", new("--preset", "flask", "--preset-file", "x.toml"), 2,
         "either --preset or --preset-file"),
    Case("missing-preset-file", new("--preset-file", "nope.toml"), 2,
         'preset file "nope.toml" does not exist'),
    Case("preset-toml-error", preset_file("[answers\n"), 2, "is not valid TOML"),
    Case("preset-unknown-top-key", preset_file('framework = "flask"\n'), 2,
         "unknown top-level key(s) framework; allowed: description, extends, template, "
         "vcs_ref, answers (put answers under an [answers] table)"),
    Case("preset-unknown-key", preset_file("[answers]\nframwork = 'flask'\n"), 2,
         'preset "team" (', ),
    Case("preset-bad-value", preset_file("[answers]\nframework = 'django'\n"), 2,
         'framework = "django" is not one of the choices; allowed: fastapi, flask'),
    Case("preset-wrong-type", preset_file("[answers]\npython_version = 3.12\n"), 2,
         "python_version = 3.12 must be text (write it in quotes"),
    Case("preset-fails-validator",
         preset_file("[answers]\nframework = 'fastapi'\nserver = 'gunicorn'\n"), 2,
         'server = "gunicorn" is not allowed: server "gunicorn" does not run FastAPI'),
    Case("preset-compose-without-database",
         preset_file("[answers]\ndatabase = 'none'\ncompose = true\n"), 2,
         "compose = True is not allowed: compose needs docker=true and database=postgresql"),
    Case("preset-extends-unknown", preset_file('extends = "nope"\n'), 2,
         'unknown preset "nope"'),
    Case("non-empty-dest", non_empty, 1, "is not empty; choose a new or empty folder"),
    Case("dest-is-a-file", dest_is_file, 1, "exists and is not a folder"),
    Case("dest-under-a-file", under_a_file, 1, "cannot write in"),
    Case("unknown-vcs-ref", new("--vcs-ref", "9.9.9"), 2,
         "--vcs-ref '9.9.9' is not a tag, branch or commit of the template"),
    Case("unknown-template", lambda _w, _t: ["new", "svc", "--template", "no/such/dir"], 2,
         'template "no/such/dir" is not a folder'),
    Case("template-without-copier-yml", lambda w, _t: ["new", "svc", "--template", str(w)], 2,
         "has no copier.yml"),
    Case("update-dirty-tree", dirty, 1,
         "has uncommitted changes; commit or stash them first"),
    Case("update-not-generated", not_generated, 1,
         "was not generated by apiseed: it has no .copier-answers.yml"),
    Case("update-not-a-repo", not_a_repo, 1, "is not in a git repository"),
    Case("update-unknown-vcs-ref", update_bad_ref, 2, "--vcs-ref '9.9.9' is not a tag"),
    Case("update-unknown-key", update_unknown_key, 2, 'unknown question "colour"'),
    Case("update-missing-path", lambda _w, _t: ["update", "nowhere"], 2, "does not exist"),
    Case("unknown-option", new("--colour"), 2, "No such option '--colour'"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case: Case, run: Run, shared_template: Path, isolated: Path) -> None:
    args = case.setup(isolated, shared_template)
    before = snapshot(isolated)
    result = run(*args)
    assert result.exit_code == case.exit_code, result.output
    assert case.message in result.stderr, result.stderr
    assert result.stderr.count("Error:") == 1
    # No file lost or changed, and nothing half-written left behind.
    assert snapshot(isolated) == before
    assert not [p for p in isolated.rglob(".*apiseed-*")]


def test_dirty_tree_message_names_the_files(
    run: Run, shared_template: Path, isolated: Path
) -> None:
    result = run(*dirty(isolated, shared_template))
    assert "  README.md" in result.stderr
    assert "  new.txt" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to read-only folders")
def test_unwritable_parent(run: Run, shared_template: Path, isolated: Path) -> None:
    locked = isolated / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = run("new", "locked/svc", "--template", shared_template)
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 1
    assert "cannot write in" in result.stderr
    assert list(locked.iterdir()) == []


def test_unwritable_parent_simulated(
    run: Run, shared_template: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same path as above, for machines where tests run as root.
    def refuse(*_args: object, **_kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    (isolated / "parent").mkdir()
    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    result = run("new", "parent/sub/svc", "--template", shared_template)
    assert result.exit_code == 1
    assert "cannot write in" in result.stderr
    assert "Permission denied" in result.stderr
    # The parent folder apiseed created for DEST is gone again.
    assert list((isolated / "parent").iterdir()) == []


def test_an_untracked_uv_lock_is_named_with_the_fix(
    run: Run, shared_template: Path, isolated: Path
) -> None:
    project = generated(isolated, shared_template)
    (project / "uv.lock").write_text("version = 1\n")
    result = run("update", project)
    assert result.exit_code == 1
    assert "  uv.lock" in result.stderr
    assert "commit it (git add uv.lock" in result.stderr
    assert (project / "uv.lock").read_text() == "version = 1\n"
