"""The template packaged inside apiseed, and how a project generated from it names it.

A built apiseed carries the template (copier.yml, includes/, template_*/) in
`apiseed/template/`, at apiseed's own version, and renders it from there: no clone, no
network. The project's answers file then names the published repository URL
(`[project.urls] Repository` in pyproject.toml) as `_src_path` and the version as
`_commit`: what Copier writes when it renders that release tag from git, so `copier update`
finds the template online and `apiseed update` finds it in the version store (store.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from apiseed import __version__
from apiseed.errors import ApiseedError

TEMPLATE_DIR = Path(__file__).resolve().parent / "template"
# The label of the published template repository in the package's Project-URL metadata.
REPOSITORY_LABEL = "repository"


@dataclass(frozen=True)
class PackagedTemplate:
    folder: Path
    version: str
    # The git URL projects record as `_src_path`.
    url: str


def packaged_template() -> PackagedTemplate | None:
    """The template this apiseed carries, or None (an editable install from a checkout)."""
    if not (TEMPLATE_DIR / "copier.yml").is_file():
        return None
    return PackagedTemplate(TEMPLATE_DIR, __version__, published_url())


@cache
def published_url() -> str:
    """The git URL of the published template repository, from the package's metadata."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        entries = metadata("apiseed").get_all("Project-URL") or []
    except PackageNotFoundError as err:
        raise ApiseedError("apiseed's package metadata is missing: reinstall apiseed") from err
    for entry in entries:
        label, _, url = entry.partition(",")
        if label.strip().lower() == REPOSITORY_LABEL and url.strip():
            return as_git_url(url.strip())
    raise ApiseedError(
        "apiseed's package metadata names no Repository URL ([project.urls] in "
        "pyproject.toml): the packaged template cannot be recorded for updates"
    )


def as_git_url(url: str) -> str:
    """A repository web URL as a git URL Copier recognises on any host (`.git` suffix)."""
    url = url.rstrip("/")
    return url if url.endswith(".git") or "://" not in url else f"{url}.git"


_SRC_PATH_ENTRY = re.compile(r"^_src_path:.*\n(?:[ \t]+.*\n)*", re.M)
_COMMIT_ENTRY = re.compile(r"^_commit:.*\n(?:[ \t]+.*\n)*", re.M)


def record_published_source(answers_file: Path, url: str, version: str) -> None:
    """Make the answers file name `url` at tag `version`, as a render from git would.

    Copier rendered the packaged folder, so it recorded that folder and no commit. Only
    those two entries change; every other line stays as the template wrote it.
    """
    import yaml  # type: ignore[import-untyped,unused-ignore]

    from apiseed.questionnaire import parse_yaml

    text = answers_file.read_text(encoding="utf-8")
    before = parse_yaml(text, str(answers_file))
    entries = yaml.safe_dump(
        {"_commit": version, "_src_path": url}, allow_unicode=True, default_flow_style=False
    )
    updated, found = _SRC_PATH_ENTRY.subn(lambda _match: entries, _COMMIT_ENTRY.sub("", text))
    after = parse_yaml(updated, str(answers_file)) if found == 1 else None
    expected = {**before, "_commit": version, "_src_path": url} if before else None
    if after != expected:
        raise ApiseedError(
            f"cannot record the template's source in {answers_file}: it has no single "
            "_src_path entry (was the template's answers file changed?)"
        )
    answers_file.write_text(updated, encoding="utf-8")
