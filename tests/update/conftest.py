"""Fixtures for the update tests: an isolated environment and the two-release template."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from .release import build_template_repo

T = TypeVar("T")


@pytest.fixture(scope="session", autouse=True)
def isolated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No Copier settings, presets or git configuration of the developer's leak in."""
    home = tmp_path_factory.mktemp("home")
    settings = home / "copier-settings.yml"
    settings.write_text("{}\n")
    git_config = home / "gitconfig"
    git_config.write_text("[init]\n\tdefaultBranch = main\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COPIER_SETTINGS_PATH", str(settings))
        patch.setenv("XDG_CONFIG_HOME", str(home / "config"))
        patch.setenv("GIT_CONFIG_GLOBAL", str(git_config))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        patch.delenv("APISEED_TEMPLATE", raising=False)
        for role in ("AUTHOR", "COMMITTER"):
            patch.setenv(f"GIT_{role}_NAME", "Service Team")
            patch.setenv(f"GIT_{role}_EMAIL", "team@example.com")
        yield home


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory, isolated: Path) -> Path:
    """The template tagged 1.0.0 (this working tree) and 1.1.0 (the next release)."""
    return build_template_repo(tmp_path_factory.mktemp("template") / "apiseed")


@pytest.fixture(scope="session")
def once() -> Callable[[Hashable, Callable[[], T]], T]:
    """Build something once per worker, whatever order xdist runs the tests in.

    Module-scoped parametrized fixtures are rebuilt when tests of different parameters
    interleave; updated projects (and their environments) are too slow for that.
    """
    cache: dict[Hashable, Any] = {}

    def get(key: Hashable, make: Callable[[], T]) -> T:
        if key not in cache:
            cache[key] = make()
        value: T = cache[key]
        return value

    return get


Once = Callable[[Hashable, Callable[[], Any]], Any]
