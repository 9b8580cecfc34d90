"""Template versions kept on this machine, so `apiseed update` works offline.

Copier's update renders the project's recorded version (for its three-way merge) and the
new one, both from git at the URL the answers file records. The packaged template exists
on disk only at the installed version, so apiseed keeps every version it has carried in a
bare git repository in the user's data folder: one commit per version, tagged with it,
added the first time that version renders or updates a project. During an update git is
pointed at that repository for the published URL (`url.<store>.insteadOf`), for the git
commands of that one Copier run only. A version the store lacks is fetched from the
published URL once.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from apiseed import gitops
from apiseed.errors import ApiseedError

# The files a version is made of: everything in the template folder but bytecode, which an
# installer may have compiled from the template's few plain .py files.
_TEMPLATE_FILES = (".", ":(exclude,glob)**/__pycache__/**", ":(exclude,glob)**/*.py[co]")
# Commits are made by apiseed, not by the user; a fixed identity needs no git configuration.
_IDENTITY = {
    "GIT_AUTHOR_NAME": "apiseed",
    "GIT_AUTHOR_EMAIL": "apiseed@localhost",
    "GIT_COMMITTER_NAME": "apiseed",
    "GIT_COMMITTER_EMAIL": "apiseed@localhost",
}


def _xdg_dir(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable, "")
    # The XDG spec says to ignore a relative value.
    return Path(value) if os.path.isabs(value) else Path.home() / fallback


def data_dir() -> Path:
    """apiseed's data folder: `$XDG_DATA_HOME/apiseed` (`~/.local/share/apiseed`)."""
    return _xdg_dir("XDG_DATA_HOME", ".local/share") / "apiseed"


def cache_dir() -> Path:
    """apiseed's cache folder: `$XDG_CACHE_HOME/apiseed` (`~/.cache/apiseed`)."""
    return _xdg_dir("XDG_CACHE_HOME", ".cache") / "apiseed"


class VersionStore:
    """A bare repository holding one tagged commit per template version."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else data_dir() / "template-versions.git"

    def _git(
        self, *args: str, env: Mapping[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return gitops.run(
            self.path.parent,
            f"--git-dir={self.path}",
            *args,
            env={**_IDENTITY, **(env or {})},
            check=check,
        )

    def has(self, version: str) -> bool:
        if not (self.path / "HEAD").is_file():
            return False
        ref = f"refs/tags/{version}^{{commit}}"
        return self._git("rev-parse", "--quiet", "--verify", ref, check=False).returncode == 0

    def add(self, folder: Path, version: str) -> None:
        """Store `folder` as template `version`, unless it is stored already."""
        if self.has(version):
            return
        self._init()
        with tempfile.TemporaryDirectory(prefix="apiseed-store-") as scratch:
            # A private index: the store has no work tree, and a concurrent apiseed must
            # not see a half-built one.
            env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            self._git(
                f"--work-tree={folder}", "add", "--all", "--force", "--", *_TEMPLATE_FILES, env=env
            )
            tree = self._git("write-tree", env=env).stdout.strip()
        message = f"Template {version}, as packaged in apiseed {version}"
        commit = self._git("commit-tree", tree, "-m", message).stdout.strip()
        # The empty old value makes the tag creation atomic: another apiseed that stored the
        # same version first wins, and its commit has the same files.
        created = self._git("update-ref", f"refs/tags/{version}", commit, "", check=False)
        if created.returncode != 0 and not self.has(version):
            raise ApiseedError(f"cannot store template {version} in {self.path}: {created.stderr}")

    def fetch(self, url: str, version: str) -> str | None:
        """Fetch release `version` from `url` into the store; git's complaint on failure."""
        self._init()
        ref = f"refs/tags/{version}"
        no_prompt = {"GIT_TERMINAL_PROMPT": "0"}
        result = self._git(
            "fetch", "--quiet", "--no-tags", "--", url, f"{ref}:{ref}", env=no_prompt, check=False
        )
        return None if result.returncode == 0 else (result.stderr or result.stdout).strip()

    def _init(self) -> None:
        if not (self.path / "HEAD").is_file():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._git("init", "--quiet", "--bare")

    def redirect(self, url: str) -> dict[str, str]:
        """Environment that makes git read `url` from the store, and keeps Copier's mirror
        of it apart from the user's own Copier cache.

        The settings are added after any `GIT_CONFIG_COUNT` entries already set.
        """
        settings = {
            f"url.{self.path}.insteadOf": url,
            # Copier fetches and commits in throw-away repositories (5 template checkouts
            # per update): git's automatic maintenance after each costs a process and
            # finds nothing worth doing there.
            "maintenance.auto": "false",
            "gc.auto": "0",
        }
        first = int(os.environ.get("GIT_CONFIG_COUNT", "0") or 0)
        env = {"GIT_CONFIG_COUNT": str(first + len(settings))}
        for index, (key, value) in enumerate(settings.items(), start=first):
            env[f"GIT_CONFIG_KEY_{index}"] = key
            env[f"GIT_CONFIG_VALUE_{index}"] = value
        # Copier keeps a mirror of every remote template; this one mirrors the store.
        env["COPIER_CACHE_DIR"] = str(cache_dir() / "copier")
        return env
