"""Which template `apiseed new` renders: --template > $APISEED_TEMPLATE > the preset's >
the configuration file's > apiseed's own; and the mistakes in naming one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.harness import snapshot

from .conftest import REPO, Run, build_template, git


def answers(project: Path) -> dict[str, object]:
    from apiseed.questionnaire import read_yaml

    data = read_yaml(project / ".copier-answers.yml")
    assert isinstance(data, dict)
    return data


def config_file(text: str) -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "apiseed" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def team_template(tmp_path: Path) -> Path:
    """A team's template with two releases; 0.2.0 changes the README."""
    folder = build_template(tmp_path / "team-template")
    readme = folder / "template_fastapi" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nTeam edition.\n")
    git(folder, "commit", "--quiet", "-am", "Team edition")
    git(folder, "tag", "0.2.0")
    return folder


def test_configuration_file_names_the_template_and_version(
    run: Run, team_template: Path, isolated: Path
) -> None:
    config_file(f'template = "{team_template}"\nvcs_ref = "0.1.0"\n')
    result = run("new", "svc", "--defaults")
    assert result.exit_code == 0, result.output
    recorded = answers(isolated / "svc")
    assert (recorded["_src_path"], recorded["_commit"]) == (str(team_template), "0.1.0")


def test_a_preset_wins_over_the_configuration_file(
    run: Run, team_template: Path, shared_template: Path, user_presets: Path, isolated: Path
) -> None:
    config_file(f'template = "{shared_template}"\n')
    (user_presets / "team.toml").write_text(
        f'extends = "fastapi"\ntemplate = "{team_template}"\n[answers]\nauthor_name = "Team"\n'
    )
    result = run("new", "svc", "--preset", "team", "--defaults")
    assert result.exit_code == 0, result.output
    recorded = answers(isolated / "svc")
    assert (recorded["_src_path"], recorded["_commit"]) == (str(team_template), "0.2.0")
    assert "Team edition." in (isolated / "svc" / "README.md").read_text()


def test_a_relative_template_path_is_relative_to_the_file_naming_it(
    run: Run, team_template: Path, isolated: Path, tmp_path: Path
) -> None:
    preset = tmp_path / "presets" / "team.toml"
    preset.parent.mkdir()
    preset.write_text('template = "../team-template"\n')
    result = run("new", "svc", "--preset-file", preset, "--defaults")
    assert result.exit_code == 0, result.output
    assert answers(isolated / "svc")["_src_path"] == str(team_template)


def test_environment_and_option_win_over_preset_and_configuration(
    run: Run,
    team_template: Path,
    shared_template: Path,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config_file(f'template = "{team_template}"\n')
    monkeypatch.setenv("APISEED_TEMPLATE", str(shared_template))
    from_env = run("new", "a", "--defaults")
    from_option = run("new", "b", "--defaults", "--template", team_template, "--vcs-ref", "0.1.0")
    assert (from_env.exit_code, from_option.exit_code) == (0, 0)
    assert answers(isolated / "a")["_src_path"] == str(shared_template)
    assert answers(isolated / "b")["_commit"] == "0.1.0"


def test_without_any_setting_the_checkout_is_the_template(run: Run, isolated: Path) -> None:
    from apiseed import template

    assert template.resolve_template(None).src == str(REPO)
    assert template.resolve_template(None).packaged is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'template = "x"\ncolour = "blue"\n',
            "has unknown key(s) colour; allowed: template, vcs_ref",
        ),
        ('vcs_ref = "1.0.0"\n', '"vcs_ref" needs "template" in the same file'),
        ("template = 3\n", '"template" must be a non-empty string'),
        ('template = "gh:team/apiseed"\nvcs_ref = ""\n', '"vcs_ref" must be a non-empty string'),
        ("template = [\n", "is not valid TOML"),
        ('template = "no/such/folder"\n', 'apiseed/no/such/folder" is not a folder'),
    ],
    ids=["unknown-key", "ref-without-template", "not-a-string", "empty-ref", "toml", "missing"],
)
def test_a_broken_configuration_file_is_named(
    run: Run, isolated: Path, text: str, message: str
) -> None:
    path = config_file(text)
    before = snapshot(isolated)
    result = run("new", "svc", "--defaults")
    assert result.exit_code == 2
    assert message in result.stderr
    assert str(path) in result.stderr
    assert snapshot(isolated) == before


def test_a_preset_with_a_bad_template_key_is_named(
    run: Run, user_presets: Path, isolated: Path
) -> None:
    (user_presets / "team.toml").write_text('vcs_ref = "1.0.0"\n')
    result = run("new", "svc", "--preset", "team", "--defaults")
    assert result.exit_code == 2
    assert 'preset "team"' in result.stderr
    assert '"vcs_ref" needs "template" in the same file' in result.stderr
    assert list(isolated.iterdir()) == []
