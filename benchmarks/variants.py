"""The generated services the benchmark measures, each against the plain app that does its work.

A variant is a set of answers added to the framework and server, of settings added to the
service's environment and of headers its requests carry. Measuring an option's cost is one more
entry in VARIANTS; the report shows its generated / plain ratio beside the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmarks.wrk import ENDPOINTS

DATABASE_ENDPOINTS = ("get_item", "create_item")
# The generated service again, with LOG_LEVEL=WARNING: its access line off and nothing else.
NO_ACCESS_LINE = "no-access-line"


@dataclass(frozen=True)
class Variant:
    name: str
    # Copier answers beyond project_name, framework and server.
    answers: Mapping[str, Any] = field(default_factory=dict)
    # Settings of the service, named without the package's prefix: {"LOG_LEVEL": "WARNING"}.
    settings: Mapping[str, str] = field(default_factory=dict)
    # Headers every measured request carries (credentials); the plain apps ignore them.
    headers: Mapping[str, str] = field(default_factory=dict)
    # Environment variables set as they are, such as OpenTelemetry's OTEL_*.
    variables: Mapping[str, str] = field(default_factory=dict)
    # Also load the raw ASGI/WSGI app, the ceiling; once per server is enough.
    with_ceiling: bool = False
    # Also load the service with its access line off, in the same rounds: the line's share of
    # the cost per endpoint, without the noise of a second run minutes later.
    with_access_line_off: bool = False

    @property
    def database(self) -> str:
        """none, sqlite or postgresql: the `database` answer."""
        return str(self.answers.get("database", "none"))

    def plain_app(self, framework: str) -> str:
        """The module in benchmarks/apps/ the generated service is compared with."""
        if self.database == "none":
            return f"{framework}_plain"
        return f"{framework}_sqlalchemy_plain"

    @property
    def baselines(self) -> tuple[str, ...]:
        """The apps loaded in turns with the generated service."""
        apps = ["plain"]
        if self.with_ceiling:
            apps.append("raw")
        if self.with_access_line_off:
            apps.append(NO_ACCESS_LINE)
        return tuple(apps)

    @property
    def endpoints(self) -> tuple[str, ...]:
        """GET /health/live never reaches the database: measured once, in memory."""
        if self.database == "none":
            return tuple(endpoint.name for endpoint in ENDPOINTS)
        return DATABASE_ENDPOINTS


VARIANTS = (
    Variant("memory", with_ceiling=True, with_access_line_off=True),
    Variant("sqlite", {"database": "sqlite"}),
    Variant("postgresql", {"database": "postgresql"}),
    Variant(
        "auth-api-key",
        {"auth": "api-key"},
        {"API_KEYS": '["bench-key"]'},
        {"X-API-Key": "bench-key"},
    ),
    Variant("metrics", {"metrics": True}),
    # Spans made, named and ended for every request, then dropped: the export's cost depends
    # on the collector and is paid in the batching thread.
    Variant("tracing", {"tracing": True}, variables={"OTEL_TRACES_EXPORTER": "none"}),
)


def one_per_project(variants: Iterable[Variant]) -> list[Variant]:
    """The first variant of each set of answers: the others render the same project, differing
    only in its settings, headers or environment, so its test suite is measured once."""
    projects: dict[frozenset[tuple[str, Any]], Variant] = {}
    for variant in variants:
        projects.setdefault(frozenset(variant.answers.items()), variant)
    return list(projects.values())


def variant_named(name: str) -> Variant:
    for variant in VARIANTS:
        if variant.name == name:
            return variant
    raise KeyError(name)
