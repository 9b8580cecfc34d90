"""A user's project: generated at 1.0.0, edited and committed, then updated.

Two ways in and out, as users do it: the `apiseed` CLI (`apiseed new`, `apiseed update`),
and Copier's own API (`run_copy`, then `git init` and a commit; `run_update`).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import copier
from click.testing import CliRunner, Result

from apiseed.cli import main

from .release import OLD, git

FLOWS = ("apiseed", "copier")
PROJECT_NAME = "Team Service"
PACKAGE = "team_service"
FIRST_COMMIT = "Generate team-service"
USER_COMMIT = "Our changes: notes, the team module, a docstring"

README_NOTES = "\n## Team notes\n\nOn call: #team-service. Deploys on Tuesdays.\n"
USER_DEPENDENCY = '"tomli-w~=1.2"'
TEAM_MODULE = '''"""Our team's own module: settings as TOML for support tickets."""

import tomli_w


def settings_as_toml(values: dict[str, str]) -> str:
    """The values as a TOML document."""
    return tomli_w.dumps(values)
'''
TEAM_TEST = f'''"""Tests of our team's own module."""

from {PACKAGE}.team import settings_as_toml


def test_settings_as_toml() -> None:
    assert settings_as_toml({{"environment": "test"}}) == 'environment = "test"\\n'
'''
# The last one-line docstring of the router module: users reword the sample's docs.
LAST_DOCSTRING = re.compile(r'^(?P<indent> +)"""(?P<text>[^"\n]+?)\.?"""$', re.M)
USER_WORDING = "; reviewed by the team."
# The router's first line, changed by the user too in the conflict scenario.
USER_ROUTER_DOCSTRING = '"""Our items endpoints, as the billing team runs them."""'


def cli(*args: str | Path) -> Result:
    """The apiseed CLI in-process; no traceback may escape it."""
    result = CliRunner().invoke(main, [str(arg) for arg in args], prog_name="apiseed")
    assert "Traceback" not in result.output, result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def generate(flow: str, template: Path, dest: Path, framework: str) -> None:
    """Generate the project at 1.0.0 and commit it (apiseed commits by itself)."""
    if flow == "apiseed":
        result = cli(
            "new", dest, "--template", template, "--vcs-ref", OLD, "--defaults",
            "-d", f"project_name={PROJECT_NAME}", "-d", f"framework={framework}",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            copier.run_copy(
                str(template),
                dest,
                data={"project_name": PROJECT_NAME, "framework": framework},
                vcs_ref=OLD,
                defaults=True,
                quiet=True,
                settings=copier.Settings(),
            )
        git(dest, "init", "--quiet")
        git(dest, "add", "--all")
        git(dest, "commit", "--quiet", "-m", FIRST_COMMIT)


def router(project: Path) -> Path:
    """The sample resource's router (FastAPI) or blueprint (Flask) module."""
    folder = project / "src" / PACKAGE / "items"
    names = sorted(
        path
        for path in folder.glob("*.py")
        if path.stem not in {"__init__", "repository", "schemas", "models", "service"}
    )
    assert names, f"no router module in {folder}"
    return names[0]


def last_docstring(text: str) -> re.Match[str]:
    matches = list(LAST_DOCSTRING.finditer(text))
    assert matches, "the router has no one-line docstring to edit"
    return matches[-1]


def edit_like_a_user(project: Path) -> dict[str, str]:
    """The team's usual changes, committed; returns the lines that must survive."""
    readme = project / "README.md"
    readme.write_text(readme.read_text() + README_NOTES)

    module = router(project)
    text = module.read_text()
    match = last_docstring(text)
    reworded = f'{match["indent"]}"""{match["text"]}{USER_WORDING}"""'
    module.write_text(text[: match.start()] + reworded + text[match.end() :])

    (project / "src" / PACKAGE / "team.py").write_text(TEAM_MODULE)
    (project / "tests" / "test_team.py").write_text(TEAM_TEST)

    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    assert "dependencies = [\n" in text
    pyproject.write_text(
        text.replace("dependencies = [\n", f"dependencies = [\n    {USER_DEPENDENCY},\n", 1)
    )
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", USER_COMMIT)
    return {
        "README.md": README_NOTES.strip(),
        module.relative_to(project).as_posix(): reworded.strip(),
        "pyproject.toml": USER_DEPENDENCY,
        f"src/{PACKAGE}/team.py": TEAM_MODULE,
        "tests/test_team.py": TEAM_TEST,
    }


def conflicting_edit(project: Path) -> str:
    """The user rewrites the router's first line, which 1.1.0 changes too; committed."""
    module = router(project)
    lines = module.read_text().splitlines(keepends=True)
    module.write_text(USER_ROUTER_DOCSTRING + "\n" + "".join(lines[1:]))
    readme = project / "README.md"
    readme.write_text(readme.read_text() + README_NOTES)
    git(project, "commit", "--quiet", "-am", "Our router docstring and notes")
    return module.relative_to(project).as_posix()


@dataclass
class Update:
    """What an update did: the CLI's exit code and output, or Copier's (it has none)."""

    exit_code: int
    output: str = ""
    stderr: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def update(flow: str, project: Path, *extra: str) -> Update:
    """Update to the latest release: `apiseed update --trust` or Copier's run_update."""
    if flow == "apiseed":
        result = cli("update", project, "--defaults", "--trust", *extra)
        return Update(result.exit_code, result.output, result.stderr)
    assert not extra
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_update(
            project,
            defaults=True,
            overwrite=True,
            unsafe=True,  # 1.1.0 has a migration
            conflict="inline",
            quiet=True,
            settings=copier.Settings(),
        )
    return Update(0)
