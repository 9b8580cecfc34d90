"""The services the contract suite talks to: the same answers rendered with each framework and
each of its production servers, every one started once under its real production command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from tests.harness import build_environment, production_server, render

# Same answers apart from framework and server; the FastAPI/uvicorn service is listed first and
# is what the others are compared with in messages.
ANSWERS = {"project_name": "Demo Service", "docker": False}
SERVICES = [
    ("fastapi", "uvicorn"),
    ("fastapi", "granian"),
    ("flask", "gunicorn"),
    ("flask", "granian"),
]


@dataclass(frozen=True)
class Service:
    name: str
    framework: str
    url: str


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Service]]:
    with ExitStack() as stack:
        started = []
        for framework, server in SERVICES:
            name = f"{framework}-{server}"
            destination = tmp_path_factory.mktemp(name) / "project"
            render(destination, {**ANSWERS, "framework": framework, "server": server})
            running = stack.enter_context(production_server(build_environment(destination)))
            started.append(Service(name, framework, running.url))
        yield started
