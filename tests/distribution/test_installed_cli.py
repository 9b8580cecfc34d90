"""The installed CLI is the product: apiseed built as a wheel (through its sdist), installed
into a fresh virtual environment, run from a scratch folder with no checkout anywhere on its
paths and no network."""

from __future__ import annotations

import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from apiseed import __version__
from apiseed.packaged import published_url
from apiseed.presets import load_preset
from tests.harness import recorded_answers, render, snapshot
from tests.update.release import git, template_files

from .conftest import NEXT_VERSION, NOTICE_TEMPLATE, Installed, Wheels, install_into_new_venv

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("distribution")]

PRESETS = ["fastapi", "fastapi-minimal", "flask", "flask-minimal"]


def test_the_distributions_carry_the_template(wheels: Wheels) -> None:
    expected = template_files()
    with tarfile.open(wheels.sdist) as sdist:
        root = sdist.getnames()[0].split("/")[0]
        in_sdist = {name.removeprefix(f"{root}/") for name in sdist.getnames()}
    assert set(expected) <= in_sdist
    with zipfile.ZipFile(wheels.current) as wheel:
        in_wheel = {
            name.removeprefix("apiseed/template/")
            for name in wheel.namelist()
            if name.startswith("apiseed/template/")
        }
        assert "apiseed/py.typed" in wheel.namelist()
    assert in_wheel == set(expected)


def test_version_names_the_carried_template(installed: Installed, scratch: Path) -> None:
    result = installed.run("--version", cwd=scratch)
    assert result.stdout.splitlines() == [
        f"apiseed, version {__version__}",
        f"template {__version__}, packaged; projects record {published_url()}",
    ]
    # The package comes from the environment, not from this checkout.
    location = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", "import apiseed; print(apiseed.__file__)"],
        cwd=scratch,
        env=dict(installed.env),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(location).is_relative_to(installed.venv)


@pytest.mark.parametrize("preset", PRESETS)
def test_every_builtin_preset_renders_from_the_installed_wheel(
    installed: Installed, scratch: Path, tmp_path: Path, preset: str
) -> None:
    result = installed.run("new", f"svc-{preset}", "--preset", preset, "--defaults", cwd=scratch)
    project = scratch / f"svc-{preset}"
    assert f"Created svc-{preset}" in result.stdout
    answers = recorded_answers(project)
    assert (answers["_src_path"], answers["_commit"]) == (published_url(), __version__)
    for key, value in load_preset(preset).answers.items():
        assert answers[key] == value, key
    assert git(project, "status", "--porcelain") == ""
    # Exactly what Copier renders from this checkout with the same answers.
    given = {key: value for key, value in answers.items() if not key.startswith("_")}
    expected = snapshot(render(tmp_path / "from-checkout", given))
    made = snapshot(project)
    answers_file = ".copier-answers.yml"
    assert made.keys() == expected.keys()
    assert {k: v for k, v in made.items() if k != answers_file} == {
        k: v for k, v in expected.items() if k != answers_file
    }


def test_an_upgrade_then_update_brings_the_change_and_keeps_the_users_work(
    wheels: Wheels, tmp_path: Path
) -> None:
    user = install_into_new_venv(tmp_path / "user", wheels.current)
    work = tmp_path / "work"
    work.mkdir()
    user.run("new", "billing", "--preset", "fastapi", "-d", "project_name=Billing", cwd=work)
    project = work / "billing"
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\n## Team notes\n\nDeploys on Tuesdays.\n")
    (project / "src" / "billing" / "team.py").write_text('"""Our own module."""\n')
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "Our changes")
    history = git(project, "rev-list", "HEAD").split()

    user.install(wheels.next)
    assert f"version {NEXT_VERSION}" in user.run("--version", cwd=work).stdout
    result = user.run("update", cwd=project)

    assert f"from template {__version__} to {NEXT_VERSION}" in result.stdout
    notice = (project / NOTICE_TEMPLATE.removesuffix(".jinja")).read_text()
    assert notice.startswith("# Notices for Billing")
    assert "Deploys on Tuesdays." in readme.read_text()
    assert (project / "src" / "billing" / "team.py").read_text() == '"""Our own module."""\n'
    assert recorded_answers(project)["_commit"] == NEXT_VERSION
    assert git(project, "rev-list", "HEAD").split() == history
    assert sorted(git(project, "status", "--porcelain").splitlines()) == [
        " M .copier-answers.yml",
        "?? NOTICE.md",
    ]
