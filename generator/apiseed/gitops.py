"""The few git operations apiseed needs, run as subprocesses.

Copier itself is driven through its Python API; git is a plain command-line tool here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from apiseed.errors import ApiseedError

# Used only when the user has no identity configured, so the first commit cannot fail.
FALLBACK_NAME = "apiseed"
FALLBACK_EMAIL = "apiseed@localhost"
# Copier's own shortcuts and the URL forms git accepts: anything else is a local path.
_URL = re.compile(r"^([a-z][a-z0-9+.-]*://|git@|gh:|gl:|git\+)", re.IGNORECASE)


def is_url(src: str) -> bool:
    return bool(_URL.match(src))


def available() -> bool:
    return shutil.which("git") is not None


def run(
    cwd: Path, *args: str, check: bool = True, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run git in `cwd`; a failure becomes an ApiseedError carrying git's own words.

    `env` adds variables to the environment.
    """
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **env} if env else None,
        )
    except OSError as err:
        raise ApiseedError(f"cannot run git: {err}") from err
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise ApiseedError(f"git {' '.join(args)} failed in {cwd}: {detail}")
    return result


def worktree_root(path: Path) -> Path | None:
    """The top of the git work tree holding `path` (or its nearest existing parent)."""
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        probe = probe.parent
    if not available():
        return None
    result = run(probe, "rev-parse", "--show-toplevel", check=False)
    if result.returncode != 0:
        return None
    return Path(result.stdout.strip()).resolve()


def is_repo_root(path: Path) -> bool:
    return worktree_root(path) == path.resolve()


def dirty_files(path: Path) -> list[str]:
    """Changed, staged and untracked files under `path`, relative to it."""
    root = worktree_root(path)
    if root is None:
        return []
    # Porcelain output names paths from the repository root, NUL-separated with -z.
    result = run(path, "status", "--porcelain", "-z", "--untracked-files=all", "--", ".")
    entries = result.stdout.split("\0")
    names: list[str] = []
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        if entry[0] in "RC":
            index += 1  # a rename or copy is followed by its source path
        full = root / entry[3:]
        try:
            names.append(full.relative_to(path.resolve()).as_posix())
        except ValueError:
            names.append(full.as_posix())
    return sorted(names)


def tags(path: Path) -> list[str]:
    return run(path, "tag", "--list").stdout.split()


def _missing_identity(path: Path) -> list[str]:
    """`-c` options for the parts of the commit identity the user has not configured."""
    configured = run(path, "config", "--get-regexp", r"^user\.(name|email)$", check=False)
    have = {
        key
        for key, _, value in (line.partition(" ") for line in configured.stdout.splitlines())
        if value.strip()
    }
    fallback = {"user.name": FALLBACK_NAME, "user.email": FALLBACK_EMAIL}
    return [
        arg
        for key, value in fallback.items()
        if key not in have
        for arg in ("-c", f"{key}={value}")
    ]


def init_and_commit(path: Path, message: str) -> None:
    """`git init` and one commit of everything in `path` (a fresh, apiseed-only folder)."""
    run(path, "init", "--quiet")
    run(path, "add", "--all")
    # A fresh repository needs none of git's automatic maintenance (a process after commit).
    no_maintenance = ("-c", "maintenance.auto=false")
    run(path, *no_maintenance, *_missing_identity(path), "commit", "--quiet", "-m", message)


def ignores(root: Path, folder: Path) -> bool:
    """Whether the repository at `root` ignores `folder` (which need not exist yet)."""
    relative = folder.resolve().relative_to(root).as_posix()
    # The trailing slash lets a directory pattern (`/demo-service/`) match a folder that
    # is not there yet.
    return run(root, "check-ignore", "--quiet", "--", f"{relative}/", check=False).returncode == 0


def unmerged_files(path: Path) -> list[str]:
    """Files git records as conflicted (stages 1-3), relative to `path`."""
    result = run(path, "ls-files", "--unmerged", "--", ".")
    names = {line.split("\t", 1)[1] for line in result.stdout.splitlines() if "\t" in line}
    return sorted(names)
