"""The template apiseed carries, in-process: what `apiseed new` records, the version store,
and `apiseed update` after an upgrade, offline.

An installed apiseed renders `apiseed/template/`; here that folder is a small template
(conftest's) that the tests "upgrade" by changing its files and apiseed's version. The real
wheel is built and installed in tests/distribution/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from apiseed import packaged, template
from apiseed.packaged import published_url
from apiseed.store import VersionStore
from tests.harness import snapshot

from .conftest import Run, build_template, git

Upgrade = Callable[[str], None]


@pytest.fixture
def carried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """apiseed as installed from a wheel: no checkout, a packaged template at 0.1.0."""
    repo = build_template(tmp_path / "source")
    folder = tmp_path / "site-packages" / "apiseed" / "template"
    shutil.copytree(repo, folder, ignore=shutil.ignore_patterns(".git"))
    monkeypatch.setattr(packaged, "TEMPLATE_DIR", folder)
    monkeypatch.setattr(packaged, "__version__", "0.1.0")
    monkeypatch.setattr(template, "checkout_root", lambda: None)
    # Whatever is not in the version store must fail, not reach a network.
    monkeypatch.setenv("GIT_ALLOW_PROTOCOL", "file")
    return folder


@pytest.fixture
def upgrade(carried: Path, monkeypatch: pytest.MonkeyPatch) -> Upgrade:
    """Replace the carried template by the next release, as `pipx upgrade apiseed` does."""

    def to(version: str) -> None:
        readme = carried / "template_fastapi" / "README.md.jinja"
        readme.write_text(readme.read_text().replace("License: MIT", "License: Apache-2.0"))
        (carried / "template_fastapi" / "NOTICE.md.jinja").write_text("Notice {{ project_name }}\n")
        monkeypatch.setattr(packaged, "__version__", version)

    return to


def recorded(project: Path) -> dict[str, object]:
    from apiseed.questionnaire import read_yaml

    data = read_yaml(project / ".copier-answers.yml")
    assert isinstance(data, dict)
    return data


@pytest.fixture
def project(run: Run, carried: Path, isolated: Path) -> Path:
    """Generated from the carried 0.1.0, committed, with the team's edit committed."""
    result = run("new", "svc", "--preset", "fastapi", "-d", "project_name=Billing API")
    assert result.exit_code == 0, result.output
    dest = isolated / "svc"
    with (dest / "README.md").open("a") as file:
        file.write("\nOur own notes.\n")
    git(dest, "commit", "--quiet", "-am", "User notes")
    return dest


def test_new_records_the_published_url_and_version(run: Run, carried: Path, isolated: Path) -> None:
    result = run("new", "svc", "--preset", "flask", "-d", "project_name=Billing API")
    assert result.exit_code == 0, result.output
    answers = recorded(isolated / "svc")
    # What Copier writes when it renders release 0.1.0 of the published repository.
    assert answers["_src_path"] == published_url()
    assert published_url().endswith(".git")
    assert answers["_commit"] == "0.1.0"
    assert answers["framework"] == "flask"
    text = (isolated / "svc" / ".copier-answers.yml").read_text()
    assert text.startswith("# Changes here will be overwritten by Copier")
    assert str(carried) not in text
    # The version is kept for later updates, with exactly the carried files.
    store = VersionStore()
    assert store.has("0.1.0")
    stored = git(store.path, "ls-tree", "-r", "-z", "--name-only", "0.1.0").split("\0")[:-1]
    assert sorted(stored) == sorted(snapshot(carried))
    assert git(isolated / "svc", "status", "--porcelain") == ""


def test_update_after_an_upgrade_is_offline_and_keeps_edits(
    run: Run, project: Path, upgrade: Upgrade
) -> None:
    upgrade("0.2.0")
    copier_cache = Path(os.environ["COPIER_CACHE_DIR"])
    history = git(project, "rev-list", "HEAD").split()
    result = run("update", project)
    assert result.exit_code == 0, result.output
    assert "from template 0.1.0 to 0.2.0" in result.stdout
    readme = (project / "README.md").read_text()
    assert "License: Apache-2.0" in readme
    assert "Our own notes." in readme
    assert (project / "NOTICE.md").read_text() == "Notice Billing API\n"
    answers = recorded(project)
    assert (answers["_commit"], answers["_src_path"]) == ("0.2.0", published_url())
    assert git(project, "rev-list", "HEAD").split() == history
    assert VersionStore().has("0.2.0")
    # apiseed's redirected mirror stays out of the user's own Copier cache.
    assert list(copier_cache.iterdir()) == []


def test_update_to_an_older_stored_version_with_vcs_ref(
    run: Run, project: Path, upgrade: Upgrade, isolated: Path
) -> None:
    upgrade("0.2.0")
    # A second project pinned to the version before the upgrade, rendered from the store.
    result = run("new", "pinned", "--preset", "fastapi", "--vcs-ref", "0.1.0")
    assert result.exit_code == 0, result.output
    assert recorded(isolated / "pinned")["_commit"] == "0.1.0"
    assert "Apache" not in (isolated / "pinned" / "README.md").read_text()
    updated = run("update", isolated / "pinned", "--vcs-ref", "0.1.0")
    assert updated.exit_code == 0, updated.output
    assert "up to date with the template (0.1.0)" in updated.stdout


def test_a_missing_recorded_version_is_fetched_or_explained(
    run: Run, project: Path, upgrade: Upgrade
) -> None:
    upgrade("0.2.0")
    shutil.rmtree(VersionStore().path)
    before = snapshot(project)
    result = run("update", project)
    assert result.exit_code == 1
    assert "template 0.1.0 is not on this machine" in result.stderr
    assert f"fetching it from {published_url()} failed" in result.stderr
    assert "Connect to the network" in result.stderr
    assert snapshot(project) == before


def test_a_project_newer_than_apiseed_is_refused(run: Run, project: Path) -> None:
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("_commit: 0.1.0", "_commit: 0.3.0"))
    git(project, "commit", "--quiet", "-am", "Pretend a newer apiseed made it")
    before = snapshot(project)
    result = run("update", project)
    assert result.exit_code == 1
    assert "is at template 0.3.0, newer than the 0.1.0 this apiseed carries" in result.stderr
    assert "upgrade apiseed" in result.stderr
    assert snapshot(project) == before


def test_version_names_the_packaged_template(run: Run, carried: Path) -> None:
    result = run("--version")
    assert result.output.splitlines()[1] == (
        f"template 0.1.0, packaged; projects record {published_url()}"
    )
