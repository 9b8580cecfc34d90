"""Build what the benchmark serves: one generated project per framework, server and variant."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.postgres import PostgresServer
from benchmarks.projects import Project, install, render
from benchmarks.variants import Variant

PROJECT_NAME = "Bench Service"
VERSIONS_SCRIPT = """
import importlib.metadata as metadata, json, sys
names = ["fastapi", "starlette", "flask", "apiflask", "werkzeug", "pydantic", "pydantic-core",
         "uvicorn", "uvloop", "httptools", "granian", "gunicorn", "gevent", "sqlalchemy",
         "psycopg", "aiosqlite"]
found = {}
for name in names:
    try:
        found[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        pass
found["python"] = sys.version.split()[0]
print(json.dumps(found))
"""


@dataclass(frozen=True)
class Target:
    """One framework x production server x variant, rendered and installed in its own venv."""

    framework: str
    server: str
    variant: Variant
    project: Project
    # The service's settings for this target (the database URL), without the package's prefix.
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.framework}-{self.server}-{self.variant.name}"

    @property
    def server_name(self) -> str:
        return f"{self.framework}-{self.server}"

    @property
    def package(self) -> str:
        return self.project.package


class Databases:
    """The databases of the targets: SQLite files in the work folder, one PostgreSQL server."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._postgres: PostgresServer | None = None

    def url(self, variant: Variant, name: str) -> str:
        if variant.database == "sqlite":
            self.folder.mkdir(parents=True, exist_ok=True)
            return f"sqlite:///{self.folder / name}.db"
        if self._postgres is None:
            self._postgres = PostgresServer().start()
        return self._postgres.create_database(name.replace("-", "_"))

    def remove(self) -> None:
        if self._postgres is not None:
            self._postgres.remove()


def build_target(
    workdir: Path, framework: str, server: str, variant: Variant, databases: Databases
) -> Target:
    """Render this working tree (uncommitted changes included), install it, and give it a
    migrated database when the variant has one (`python -m <package> migrate`)."""
    answers = {
        "project_name": PROJECT_NAME,
        "framework": framework,
        "server": server,
        "docker": False,
        **variant.answers,
    }
    folder = render(workdir / f"{framework}-{server}-{variant.name}", answers)
    target = Target(framework, server, variant, install(folder), dict(variant.settings))
    if variant.database != "none":
        target.settings["DATABASE_URL"] = databases.url(variant, target.name)
        migrate(target)
    return target


def service_environment(target: Target) -> dict[str, str]:
    """The project's environment with the target's settings, under the package's prefix, and
    the variant's variables."""
    prefix = f"{target.package.upper()}_"
    return {
        **target.project.env,
        **{prefix + name: value for name, value in target.settings.items()},
        **target.variant.variables,
    }


def migrate(target: Target) -> None:
    result = subprocess.run(
        [str(target.project.python), "-m", target.package, "migrate"],
        cwd=target.project.folder,
        env=service_environment(target),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{target.name}: migrate exited {result.returncode}:\n{result.stderr}")


def versions(target: Target) -> dict[str, str]:
    result = subprocess.run(
        [str(target.project.python), "-c", VERSIONS_SCRIPT],
        capture_output=True,
        text=True,
        check=True,
        env=target.project.env,
    )
    found: dict[str, str] = json.loads(result.stdout)
    return found
