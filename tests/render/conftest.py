"""Rendered projects with their own environment, built once per case and test process."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.cases import Case
from tests.harness import ProjectEnvironment, build_environment, render


@pytest.fixture(scope="session")
def built_project(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[Case], ProjectEnvironment]:
    """The case rendered and installed; every module asking for the same case shares it.

    Each case is its own xdist group, so all of a case's tests run in the same process.
    """
    built: dict[str, ProjectEnvironment] = {}

    def build(case: Case) -> ProjectEnvironment:
        if case.id not in built:
            destination = tmp_path_factory.mktemp(case.id) / "project"
            render(destination, case.answers)
            built[case.id] = build_environment(destination)
        return built[case.id]

    return build
