"""`apiseed new`: render into a staging folder, commit there, then move into place.

Rendering next to DEST (same filesystem) and moving only on success means a failure at any
step (a refused answer, Ctrl-C in a prompt, a failing git commit) leaves nothing behind.
With --force into a folder that already holds files, apiseed adds its files beside them and
refuses, before writing anything, when one of them would replace a different file.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from apiseed import __version__, copier_api, gitops
from apiseed.errors import ApiseedError, UsageProblem, indented_list
from apiseed.questionnaire import YAMLError, read_yaml
from apiseed.template import RenderPlan

ANSWERS_FILE = ".copier-answers.yml"


@dataclass(frozen=True)
class NewRequest:
    dest: Path
    plan: RenderPlan
    data: Mapping[str, Any]
    user_defaults: Mapping[str, Any]
    # Where each key of `data` came from, for error messages.
    origins: Mapping[str, str]
    ask: bool
    trust: bool
    force: bool
    git: bool
    pretend: bool


@dataclass
class NewResult:
    dest: Path
    answers: dict[str, Any]
    # Paths relative to DEST that apiseed wrote (or would write, with --pretend).
    written: list[str] = field(default_factory=list)
    # Paths that already existed with the same content, left untouched.
    identical: list[str] = field(default_factory=list)
    git_committed: bool = False
    notes: list[str] = field(default_factory=list)


def check_destination(dest: Path, force: bool) -> bool:
    """Whether DEST exists (as a folder); refuse a file or a non-empty folder."""
    if dest.is_symlink() and not dest.exists():
        raise ApiseedError(f"{dest} is a broken symbolic link")
    if not dest.exists():
        return False
    if not dest.is_dir():
        raise ApiseedError(f"{dest} exists and is not a folder; choose another destination")
    try:
        has_entries = any(dest.iterdir())
    except OSError as err:
        raise ApiseedError(f"cannot read {dest}: {err.strerror}") from err
    if has_entries and not force:
        raise ApiseedError(
            f"{dest} is not empty; choose a new or empty folder, or pass --force to add the "
            "project beside the files already there (apiseed never replaces or deletes them)"
        )
    return True


def _git_plan(request: NewRequest) -> tuple[bool, str | None]:
    """Whether to `git init` + commit, and otherwise what to tell the user."""
    if not request.git:
        return False, "Skipped git init (--no-git); `apiseed update` needs the project committed."
    if not gitops.available():
        return False, "git is not installed: skipped git init; `apiseed update` needs git."
    root = gitops.worktree_root(request.dest)
    # A folder the enclosing repository ignores (`make demo`'s demo-service/ in a clone of
    # apiseed) can never be committed there: it gets its own repository.
    if root is not None and not gitops.ignores(root, request.dest):
        return False, (
            f"{request.dest} is inside the git repository {root}: skipped git init; "
            "commit the new files there before running `apiseed update`."
        )
    return True, None


def _walk(folder: Path) -> list[str]:
    """Every file and symlink under `folder`, relative to it (directories implied)."""
    found: list[str] = []
    for root, dirs, files in os.walk(folder):
        base = Path(root)
        for name in files + [d for d in dirs if (base / d).is_symlink()]:
            found.append((base / name).relative_to(folder).as_posix())
    return sorted(found)


def _plan_merge(source: Path, dest: Path) -> tuple[list[str], list[str], list[str]]:
    """(to write, identical, collisions) for moving `source`'s files into `dest`."""
    to_write: list[str] = []
    identical: list[str] = []
    collisions: list[str] = []
    for rel in _walk(source):
        target = dest / rel
        blocked = next(
            (
                p
                for p in reversed(Path(rel).parents)
                if (dest / p).exists() and not (dest / p).is_dir()
            ),
            None,
        )
        if blocked is not None:
            collisions.append(blocked.as_posix())
        elif target.is_symlink() or target.exists():
            same = target.is_file() and filecmp.cmp(source / rel, target, shallow=False)
            (identical if same else collisions).append(rel)
        else:
            to_write.append(rel)
    return to_write, identical, sorted(set(collisions))


def _merge_into(source: Path, dest: Path, to_write: list[str]) -> None:
    """Move files into an existing folder; on failure remove exactly what was moved."""
    moved: list[Path] = []
    created: list[Path] = []
    try:
        for rel in to_write:
            target = dest / rel
            missing = [p for p in target.parents if not p.exists()]
            for folder in reversed(missing):
                folder.mkdir()
                created.append(folder)
            os.replace(source / rel, target)
            moved.append(target)
    except BaseException:
        for path in reversed(moved):
            path.unlink(missing_ok=True)
        for folder in reversed(created):
            with suppress(OSError):
                folder.rmdir()
        raise


def _make_parents(folder: Path) -> Path | None:
    """Create `folder` and missing parents; return the topmost created (for rollback)."""
    missing = [p for p in [folder, *folder.parents] if not p.exists()]
    if not missing:
        return None
    try:
        folder.mkdir(parents=True)
    except OSError as err:
        raise ApiseedError(f"cannot create {folder}: {err.strerror}") from err
    return missing[-1]


def _read_answers(project: Path) -> dict[str, Any]:
    path = project / ANSWERS_FILE
    try:
        data = read_yaml(path)
    except (OSError, YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _render(request: NewRequest, project: Path, *, ask: bool, pretend: bool = False) -> None:
    plan = request.plan
    copier_api.render(
        plan.src,
        project,
        data=request.data,
        user_defaults=request.user_defaults,
        ask=ask,
        vcs_ref=plan.vcs_ref,
        trust=request.trust,
        origins=request.origins,
        pretend=pretend,
        git_env=plan.git_env,
    )


def _prevalidate(request: NewRequest) -> None:
    """Before prompting, check the given answers with Copier's validators (a pretend run).

    Errors about answers the user has not given yet are ignored: the prompts will ask them.
    """
    with tempfile.TemporaryDirectory(prefix="apiseed-check-") as scratch:
        try:
            _render(request, Path(scratch) / "project", ask=False, pretend=True)
        except UsageProblem as err:
            key = copier_api.problem_key(err)
            if key is None or key in request.data:
                raise


def _stage(request: NewRequest, project: Path) -> list[str]:
    """Render the project into `project`; the notes the user should read about it.

    The folder-name default for `project_name` is only a suggestion: when the template's
    validator refuses it, the template's own default is used instead.
    """
    try:
        _render(request, project, ask=request.ask)
    except UsageProblem as err:
        suggested = request.user_defaults.get("project_name")
        if copier_api.problem_key(err) != "project_name" or suggested is None:
            raise
        shutil.rmtree(project, ignore_errors=True)
        defaults = {k: v for k, v in request.user_defaults.items() if k != "project_name"}
        _render(replace(request, user_defaults=defaults), project, ask=request.ask)
        return [
            f'the folder name "{suggested}" is not a valid project_name '
            f"({copier_api.problem_reason(err)}); the template's default was used: pass "
            "-d project_name=NAME to choose one"
        ]
    if request.plan.record_as is not None:
        from apiseed.packaged import record_published_source

        url, version = request.plan.record_as
        record_published_source(project / ANSWERS_FILE, url, version)
    return []


def _place(request: NewRequest, project: Path, result: NewResult, *, had_files: bool) -> None:
    """Move the staged project to DEST: rename it, or add its files beside DEST's own."""
    dest = request.dest
    if not dest.exists():
        result.written = _walk(project)
        if not request.pretend:
            os.rename(project, dest)
        return
    to_write, result.identical, collisions = _plan_merge(project, dest)
    if collisions:
        raise ApiseedError(
            f"{dest} already holds files the project would replace; nothing was "
            f"written. Move them away or choose another folder:{indented_list(collisions)}"
        )
    result.written = to_write
    if not request.pretend:
        _merge_into(project, dest, to_write)
    if result.git_committed and had_files:
        result.notes.append(
            f"{dest} also holds files apiseed did not write; they are not committed. "
            "Commit or remove them before running `apiseed update`."
        )


@contextmanager
def _staging_folder(request: NewRequest) -> Iterator[Path]:
    """A fresh folder to render into, next to DEST (same filesystem, so the final move is
    a rename); removed afterwards, with DEST's parents if apiseed created them and failed."""
    dest = request.dest
    top_created: Path | None = None
    if request.pretend:
        staging = Path(tempfile.mkdtemp(prefix="apiseed-pretend-"))
    else:
        top_created = _make_parents(dest.parent)
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.apiseed-", dir=dest.parent))
        except OSError as err:
            _remove_created(top_created)
            raise ApiseedError(f"cannot write in {dest.parent}: {err.strerror}") from err
    try:
        yield staging
    except BaseException:
        _remove_created(top_created)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def create(request: NewRequest) -> NewResult:
    """Generate the project for `request`: stage, commit, place; all or nothing."""
    dest = request.dest
    exists = check_destination(dest, request.force)
    had_files = exists and any(dest.iterdir())
    do_git, git_note = _git_plan(request)
    if request.ask:
        _prevalidate(request)
    with _staging_folder(request) as staging:
        project = staging / "project"
        notes = _stage(request, project)
        result = NewResult(dest=dest, answers=_read_answers(project), notes=notes)
        if git_note:
            result.notes.append(git_note)
        if do_git and not request.pretend:
            slug = result.answers.get("project_slug", dest.name)
            gitops.init_and_commit(project, f"Generate {slug} with apiseed {__version__}")
        result.git_committed = do_git
        _place(request, project, result, had_files=had_files)
    if request.plan.record_as is not None and not request.pretend:
        result.notes += _keep_template_version(Path(request.plan.src), request.plan.record_as[1])
    return result


def _keep_template_version(folder: Path, version: str) -> list[str]:
    """Keep the packaged template in the version store, so the project can be updated
    offline after apiseed is upgraded; a failure only costs that."""
    from apiseed.store import VersionStore

    store = VersionStore()
    try:
        store.add(folder, version)
    except ApiseedError as err:
        return [
            f"could not keep template {version} in {store.path} ({err.message}); "
            "updating this project will need the network"
        ]
    return []


def _remove_created(top: Path | None) -> None:
    if top is not None:
        shutil.rmtree(top, ignore_errors=True)
