"""`apiseed presets`, `presets show`, user presets, `extends`, and the built-in presets'
validity against copier.yml."""

from __future__ import annotations

import tomllib
import warnings
from pathlib import Path

import pytest
from copier import run_copy

from apiseed.presets import load_preset, user_presets_dir
from apiseed.questionnaire import check_answers, load_questions

from .conftest import REPO, Run

BUILTIN = ["fastapi", "fastapi-minimal", "flask", "flask-minimal"]


def test_lists_builtin_presets_with_descriptions(run: Run) -> None:
    result = run("presets")
    assert result.exit_code == 0
    for name in BUILTIN:
        line = next(line for line in result.output.splitlines() if line.startswith(name + " "))
        assert "[built-in]" in line
        assert load_preset(name).description in line
    assert str(user_presets_dir()) in result.output


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_preset_is_valid_for_copier_yml(name: str, shared_template: Path) -> None:
    preset = load_preset(name)
    assert preset.description
    assert "project_name" not in preset.answers  # the user names the project
    check_answers(preset.answers, load_questions(REPO), preset.label)
    # Copier itself evaluates the validators (e.g. server vs framework).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_copy(
            str(shared_template),
            shared_template.parent / f"check-{name}",
            data=preset.answers,
            defaults=True,
            pretend=True,
            quiet=True,
        )


def test_builtin_presets_differ_in_docker() -> None:
    assert load_preset("fastapi").answers["docker"] is True
    assert load_preset("fastapi-minimal").answers["docker"] is False
    assert load_preset("flask").answers["framework"] == "flask"


def test_show_prints_answers_as_toml(run: Run) -> None:
    result = run("presets", "show", "flask")
    assert result.exit_code == 0
    parsed = tomllib.loads(result.output)
    assert parsed["answers"] == load_preset("flask").answers
    assert '# preset "flask" (built-in)' in result.output


def test_show_unknown_preset(run: Run) -> None:
    result = run("presets", "show", "django")
    assert result.exit_code == 2
    assert 'unknown preset "django"' in result.stderr
    assert "fastapi" in result.stderr


def test_user_preset_listed_with_its_path_and_extends(run: Run, user_presets: Path) -> None:
    path = user_presets / "team.toml"
    path.write_text(
        'description = "Our team\'s FastAPI"\nextends = "fastapi"\n\n'
        '[answers]\nauthor_name = "Team Rocket"\ndocker = false\n'
    )
    listing = run("presets")
    line = next(line for line in listing.output.splitlines() if line.startswith("team "))
    assert "Our team's FastAPI" in line
    assert str(path) in line
    shown = run("presets", "show", "team")
    assert shown.exit_code == 0
    assert "# extends fastapi (built-in)" in shown.output
    answers = tomllib.loads(shown.output)["answers"]
    assert answers == {
        "framework": "fastapi",
        "server": "uvicorn",
        "database": "postgresql",
        "auth": "none",
        "metrics": True,
        "tracing": False,
        "docker": False,
        "ci": "github",
        "compose": True,
        "kubernetes": True,
        "author_name": "Team Rocket",
    }


def test_user_preset_may_replace_and_extend_a_builtin(run: Run, user_presets: Path) -> None:
    (user_presets / "flask.toml").write_text(
        'description = "Flask on granian"\nextends = "flask"\n[answers]\nserver = "granian"\n'
    )
    listing = run("presets")
    line = next(line for line in listing.output.splitlines() if line.startswith("flask "))
    assert "replaces the built-in preset" in line
    preset = load_preset("flask")
    assert preset.answers["server"] == "granian"
    assert preset.answers["framework"] == "flask"


def test_extends_cycle_is_refused(run: Run, user_presets: Path) -> None:
    (user_presets / "a.toml").write_text('extends = "b"\n')
    (user_presets / "b.toml").write_text('extends = "a"\n')
    result = run("presets", "show", "a")
    assert result.exit_code == 2
    assert "cycle: a -> b -> a" in result.stderr


def test_broken_user_preset_is_listed_not_fatal(run: Run, user_presets: Path) -> None:
    (user_presets / "broken.toml").write_text("answers = [\n")
    result = run("presets")
    assert result.exit_code == 0
    assert "broken" in result.output
    assert "not valid TOML" in result.output
    assert "fastapi" in result.output


def test_xdg_unset_means_home_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert user_presets_dir() == tmp_path / ".config" / "apiseed" / "presets"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")
    assert user_presets_dir() == tmp_path / ".config" / "apiseed" / "presets"
