"""A throw-away git repository of the template at two releases: 1.0.0 and 1.1.0.

1.0.0 is this working tree's copier.yml, includes/ and template folders (committed or not).
1.1.0 applies the changes a realistic next release makes, to whichever template folders
hold the files concerned:

- a new file, CONTRIBUTING.md, in both templates;
- a changed dependency: the `pytest` pin of the dev extra;
- a changed line in a module users also edit: the first line (docstring) of the sample
  resource's router/blueprint module in `items/`;
- a renamed question, `docker` -> `dockerfile`, with a `_migrations` entry for 1.1.0 that
  renames the key in the project's answers file before Copier renders the new version.

Nothing here depends on this repository's own tags.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from tests.harness import REPO_ROOT

OLD = "1.0.0"
NEW = "1.1.0"
TEMPLATE_PARTS = ("copier.yml", "includes", "template_fastapi", "template_flask")
# The sample resource's modules that are not its router (FastAPI) or blueprint (Flask).
NOT_ROUTER = {"__init__", "repository", "schemas", "models", "service"}

ROUTER_DOCSTRING = '"""The items endpoints: the pattern to copy for your own resources."""'
CONTRIBUTING = (
    "# Contributing to {{ project_name }}\n"
    "\n"
    "Run `uv run pytest`, `uv run ruff check .` and `uv run mypy` before you open a\n"
    "pull request.\n"
)
PYTEST_PIN = re.compile(r'"pytest~=(\d+)\.(\d+)"')
# The Python running Copier runs the migration, so it works wherever Copier does.
MIGRATION_CODE = (
    "import pathlib, re; p = pathlib.Path('.copier-answers.yml'); "
    "p.write_text(re.sub(r'(?m)^docker:', 'dockerfile:', p.read_text()))"
)
MIGRATIONS = f"""
_migrations:
  # 1.1.0 renamed the question docker -> dockerfile: rename the recorded answer before
  # Copier renders 1.1.0, so the project keeps its choice.
  - version: "{NEW}"
    when: "{{{{ _stage == 'before' }}}}"
    command:
      - "{{{{ _copier_python }}}}"
      - "-c"
      - {json.dumps(MIGRATION_CODE)}
"""
# Jinja blocks and expressions, and the name `docker` as a variable inside them.
JINJA_BLOCK = re.compile(r"(\{[{%]-?)(.*?)(-?[%}]\})", re.S)
DOCKER_NAME = re.compile(r"(?<![\w.'\"-])docker(?![\w'\"-])")


def git(cwd: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed in {cwd}:\n{result.stderr}")
    return result.stdout


def template_files() -> list[str]:
    """The template's files in this working tree: tracked or untracked, not ignored."""
    listed = git(
        REPO_ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z", *TEMPLATE_PARTS
    )
    return sorted({name for name in listed.split("\0") if name and (REPO_ROOT / name).is_file()})


def router_template(root: Path, framework: str) -> Path | None:
    """The sample resource's router (FastAPI) or blueprint (Flask) module, if written yet."""
    folder = root / f"template_{framework}" / "src" / "{{ package_name }}" / "items"
    candidates = [
        path
        for path in sorted(folder.glob("*.py*"))
        if path.name.split(".")[0] not in NOT_ROUTER and path.read_text().lstrip().startswith('"""')
    ]
    return candidates[0] if candidates else None


def rename_docker(text: str) -> str:
    return JINJA_BLOCK.sub(lambda m: m[1] + DOCKER_NAME.sub("dockerfile", m[2]) + m[3], text)


def apply_next_release(root: Path) -> None:
    config = root / "copier.yml"
    text = config.read_text()
    assert "\ndocker:\n" in text, "copier.yml no longer has the question `docker`"
    config.write_text(text.replace("\ndocker:\n", "\ndockerfile:\n") + MIGRATIONS)

    for folder in [root / "includes", *sorted(root.glob("template_*"))]:
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            if path.suffix == ".jinja":
                content = path.read_text()
                if rename_docker(content) != content:
                    path.write_text(rename_docker(content))
            renamed = rename_docker(path.name)
            if renamed != path.name:
                git(root, "mv", str(path.relative_to(root)), str(path.with_name(renamed)))

    for template in sorted(root.glob("template_*")):
        (template / "CONTRIBUTING.md.jinja").write_text(CONTRIBUTING)
        pyproject = template / "pyproject.toml.jinja"
        if pyproject.is_file():
            pyproject.write_text(
                PYTEST_PIN.sub(
                    lambda m: f'"pytest>={m[1]}.{m[2]},<{int(m[1]) + 1}"', pyproject.read_text()
                )
            )
    for framework in ("fastapi", "flask"):
        router = router_template(root, framework)
        if router is not None:
            lines = router.read_text().splitlines(keepends=True)
            assert lines[0].startswith('"""') and lines[0].rstrip().endswith('"""'), lines[0]
            router.write_text(ROUTER_DOCSTRING + "\n" + "".join(lines[1:]))


def build_template_repo(root: Path) -> Path:
    """The template at 1.0.0 (this working tree) and 1.1.0 (the next release), tagged."""
    root.mkdir(parents=True)
    for name in template_files():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, target)
    git(root, "init", "--quiet")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", f"Template release {OLD}")
    git(root, "tag", OLD)
    apply_next_release(root)
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", f"Template release {NEW}")
    git(root, "tag", NEW)
    return root
