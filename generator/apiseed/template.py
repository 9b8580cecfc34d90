"""Which template to render, and how to name it so `copier update` finds it again."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from apiseed import gitops
from apiseed.errors import UsageProblem

TEMPLATE_ENV = "APISEED_TEMPLATE"
# Copier's own shortcuts and URL forms: anything else is taken as a local path.
_REMOTE = re.compile(r"^([a-z][a-z0-9+.-]*://|git@|gh:|gl:|git\+)", re.IGNORECASE)
_PEP440_TAG = re.compile(r"^v?\d+(\.\d+)*([._-]?(a|b|rc|post|dev)\.?\d*)*$", re.IGNORECASE)


@dataclass(frozen=True)
class TemplateSource:
    """A template as Copier should receive it."""

    # What Copier gets and records as `_src_path`: an absolute path or a URL.
    src: str
    # The local folder, when the template is one (for reading copier.yml).
    local_dir: Path | None


def checkout_root() -> Path | None:
    """The apiseed repository this package runs from, if it runs from a checkout.

    An editable install imports `apiseed` from `<repo>/generator/apiseed`, so walking up
    finds the folder holding `copier.yml` and `.git`. A wheel install finds nothing.
    """
    for folder in Path(__file__).resolve().parents:
        if (folder / "copier.yml").is_file() and (folder / ".git").exists():
            return folder
    return None


def resolve_template(option: str | None) -> TemplateSource:
    """`--template`, else $APISEED_TEMPLATE, else the checkout apiseed runs from."""
    given = option or os.environ.get(TEMPLATE_ENV) or None
    if given is None:
        root = checkout_root()
        if root is None:
            raise UsageProblem(
                "no template to render: apiseed is not running from a checkout of its "
                f"repository; pass --template URL-OR-PATH or set {TEMPLATE_ENV}"
            )
        return TemplateSource(str(root), root)
    if _REMOTE.match(given):
        return TemplateSource(given, None)
    # Copier records the path as given, and a relative one breaks `copier update` run
    # from anywhere else: make it absolute first.
    folder = Path(given).expanduser().resolve()
    if not folder.is_dir():
        raise UsageProblem(f'template "{given}" is not a folder (nor a git URL)')
    if not any((folder / name).is_file() for name in ("copier.yml", "copier.yaml")):
        raise UsageProblem(f'template "{given}" has no copier.yml: is it an apiseed template?')
    return TemplateSource(str(folder), folder)


def version_notes(template: TemplateSource, vcs_ref: str | None) -> list[str]:
    """What a developer should know about which state of a local template is rendered.

    Copier renders the latest PEP 440 tag when no --vcs-ref is given (and ignores
    uncommitted changes), or HEAD *with* uncommitted changes when the repository has no
    tag or `--vcs-ref HEAD` is given. A project made from uncommitted changes records a
    commit that exists only in a throw-away clone, so it cannot be updated later.
    """
    folder = template.local_dir
    if folder is None or not gitops.is_repo_root(folder):
        return []
    dirty = bool(gitops.dirty_files(folder))
    tags = [tag for tag in gitops.tags(folder) if _PEP440_TAG.match(tag)]
    if vcs_ref is None and tags:
        if dirty:
            return [
                f"{folder} has uncommitted changes; they are not used, because Copier "
                "renders the latest tagged release. Pass --vcs-ref HEAD to try them."
            ]
        return []
    if dirty and (vcs_ref is None or vcs_ref == "HEAD"):
        return [
            f"{folder} has uncommitted changes and they are included; the project will "
            "record a commit that exists nowhere else, so `apiseed update` cannot start "
            "from it. Commit (and tag) the template to get an updatable project."
        ]
    return []


def rendered_ref(template: TemplateSource, vcs_ref: str | None) -> str | None:
    """The git ref Copier will render from a local repository, or None for its working tree.

    The questions are checked against the copier.yml of that ref, not of the working tree: an
    older release may ask questions the working tree has renamed.
    """
    folder = template.local_dir
    if folder is None or not gitops.is_repo_root(folder):
        return None
    if vcs_ref is not None:
        return None if vcs_ref == "HEAD" else vcs_ref
    tags = [tag for tag in gitops.tags(folder) if _PEP440_TAG.match(tag)]
    if not tags:
        return None
    from packaging.version import InvalidVersion, Version

    def version(tag: str) -> Version:
        try:
            return Version(tag)
        except InvalidVersion:
            return Version("0")

    return max(tags, key=version)
