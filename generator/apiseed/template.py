"""Which template `apiseed new` renders, at which version, and how Copier is given it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from apiseed import gitops
from apiseed.config import TemplateSetting, load_config
from apiseed.errors import ApiseedError, UsageProblem
from apiseed.packaged import PackagedTemplate, packaged_template
from apiseed.store import VersionStore

TEMPLATE_ENV = "APISEED_TEMPLATE"


@dataclass(frozen=True)
class TemplateSource:
    """A template as the user (or apiseed's defaults) named it."""

    # What Copier records as `_src_path`: an absolute path or a URL.
    src: str
    # The local folder, when the template is one (for reading copier.yml).
    local_dir: Path | None
    # Where the choice came from, for messages: "--template", a preset, the config file...
    origin: str
    # The version the preset or configuration file pins, if any.
    vcs_ref: str | None = None
    # Set for the template packaged in apiseed (`src` is then its published URL).
    packaged: PackagedTemplate | None = None


def checkout_root() -> Path | None:
    """The apiseed repository this package runs from, if it runs from a checkout.

    An editable install imports `apiseed` from `<repo>/generator/apiseed`, so walking up
    finds the folder holding `copier.yml` and `.git`. A wheel install finds nothing.
    """
    for folder in Path(__file__).resolve().parents:
        if (folder / "copier.yml").is_file() and (folder / ".git").exists():
            return folder
    return None


def resolve_template(option: str | None, preset: TemplateSetting | None = None) -> TemplateSource:
    """--template, else $APISEED_TEMPLATE, else the preset's, else the configuration file's,
    else the checkout apiseed runs from (an editable install), else the packaged template."""
    if option:
        return _named(option, "--template")
    if os.environ.get(TEMPLATE_ENV):
        return _named(os.environ[TEMPLATE_ENV], f"${TEMPLATE_ENV}")
    for setting in (preset, load_config()):
        if setting is not None:
            return replace(_named(setting.template, setting.origin), vcs_ref=setting.vcs_ref)
    root = checkout_root()
    if root is not None:
        return TemplateSource(str(root), root, f"the apiseed checkout {root}")
    packaged = packaged_template()
    if packaged is None:
        raise UsageProblem(
            "this apiseed carries no template (its package lacks apiseed/template/): "
            f"reinstall it, or pass --template URL-OR-PATH or set {TEMPLATE_ENV}"
        )
    return TemplateSource(packaged.url, packaged.folder, "the packaged template", None, packaged)


def _named(given: str, origin: str) -> TemplateSource:
    if gitops.is_url(given):
        return TemplateSource(given, None, origin)
    # Copier records the path as given, and a relative one breaks `copier update` run
    # from anywhere else: make it absolute first.
    folder = Path(given).expanduser().resolve()
    if not folder.is_dir():
        raise UsageProblem(f'{origin}: template "{given}" is not a folder (nor a git URL)')
    if not any((folder / name).is_file() for name in ("copier.yml", "copier.yaml")):
        raise UsageProblem(
            f'{origin}: template "{given}" has no copier.yml: is it an apiseed template?'
        )
    return TemplateSource(str(folder), folder, origin)


@dataclass(frozen=True)
class RenderPlan:
    """How Copier renders a new project, decided before anything is written."""

    # What Copier gets, and the ref it renders (None: Copier's choice, for remote URLs).
    src: str
    vcs_ref: str | None
    # Where the questions are read from: a folder, at a git ref of it (None: the files).
    questions_dir: Path | None
    questions_ref: str | None
    # For the packaged template rendered from its folder (`src`): the (URL, version) the
    # answers file must name instead of that folder; the folder goes to the version store.
    record_as: tuple[str, str] | None = None
    # Environment for Copier's git commands (the version store standing in for a URL).
    git_env: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def plan_render(source: TemplateSource, vcs_ref: str | None) -> RenderPlan:
    ref = vcs_ref or source.vcs_ref
    if source.packaged is not None:
        return _packaged_plan(source.packaged, ref)
    folder = source.local_dir
    if folder is None or not gitops.is_repo_root(folder):
        # A URL (Copier picks its latest release) or a plain folder (rendered as it is).
        return RenderPlan(source.src, ref, folder, None)
    release = latest_release(gitops.tags(folder))
    notes = tuple(version_notes(folder, ref, has_release=release is not None))
    # Name the ref Copier renders ourselves: the same rule as Copier's (the latest PEP 440
    # release, prereleases left out, else HEAD), without its "no git tags" warning.
    chosen = ref or release or "HEAD"
    return RenderPlan(source.src, chosen, folder, None if chosen == "HEAD" else chosen, notes=notes)


def _packaged_plan(packaged: PackagedTemplate, ref: str | None) -> RenderPlan:
    if ref is None or ref == packaged.version:
        return RenderPlan(
            str(packaged.folder),
            None,
            packaged.folder,
            None,
            record_as=(packaged.url, packaged.version),
        )
    # Another version than the one installed: render it from git, as `apiseed update` will.
    store = VersionStore()
    ensure_stored(store, packaged.url, ref)
    return RenderPlan(packaged.url, ref, store.path, ref, git_env=store.redirect(packaged.url))


def ensure_stored(store: VersionStore, url: str, version: str) -> None:
    """Make template `version` available in the store, fetching it once if need be."""
    if store.has(version):
        return
    problem = store.fetch(url, version)
    if problem is not None:
        raise ApiseedError(
            f"template {version} is not on this machine (apiseed keeps every version it has "
            f"installed in {store.path}) and fetching it from {url} failed: {problem}\n"
            "Connect to the network and run the command again, or pass --vcs-ref with a "
            "version this machine has."
        )


def latest_release(tags: list[str]) -> str | None:
    """The tag Copier renders by default: the highest PEP 440 version, not a prerelease."""
    from packaging.version import InvalidVersion, Version

    releases: list[tuple[Version, str]] = []
    for tag in tags:
        try:
            version = Version(tag)
        except InvalidVersion:
            continue
        if not version.is_prerelease:
            releases.append((version, tag))
    return max(releases)[1] if releases else None


def version_notes(folder: Path, vcs_ref: str | None, *, has_release: bool) -> list[str]:
    """What a developer should know about which state of a local template is rendered.

    Copier renders the latest PEP 440 tag when no --vcs-ref is given (and ignores
    uncommitted changes), or HEAD *with* uncommitted changes when the repository has no
    tag or `--vcs-ref HEAD` is given. A project made from uncommitted changes records a
    commit that exists only in a throw-away clone, so it cannot be updated later.
    """
    dirty = bool(gitops.dirty_files(folder))
    if vcs_ref is None and has_release:
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


def describe_default_template() -> str:
    """One line for `apiseed --version`: the template `apiseed new` renders by default."""
    root = checkout_root()
    if root is not None:
        return f"template: the apiseed checkout {root} (editable install)"
    packaged = packaged_template()
    if packaged is None:
        return "template: none packaged (pass --template)"
    return f"template {packaged.version}, packaged; projects record {packaged.url}"
