"""The answer matrix every template change is judged by.

Every choice of every question appears at least once, each pair of the metrics and tracing
answers too, and so do unusual answers: a name with spaces and non-ASCII letters, a slug with
digits, a package name that differs from the slug.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    id: str
    answers: dict[str, Any] = field(default_factory=dict)

    @property
    def framework(self) -> str:
        return str(self.answers.get("framework", "fastapi"))

    @property
    def database(self) -> str:
        return str(self.answers.get("database", "none"))


CASES = [
    Case("fastapi-uvicorn-defaults", {"project_name": "Demo Service"}),
    Case(
        "fastapi-granian-postgresql-jwt-unicode",
        {
            "project_name": "Démo Sérvice Ærø",
            "project_slug": "billing-api-2",
            "package_name": "billing_core",
            "server": "granian",
            "python_version": "3.12",
            "database": "postgresql",
            "auth": "jwt",
            "metrics": True,
            "tracing": True,
            "ci": "github",
            "compose": True,
            "kubernetes": True,
        },
    ),
    Case(
        "fastapi-uvicorn-sqlite-apikey-py314",
        {
            "project_name": "Inventory 3000",
            "python_version": "3.14",
            "database": "sqlite",
            "auth": "api-key",
            "tracing": True,
            "docker": False,
        },
    ),
    Case("flask-granian-defaults", {"project_name": "Demo Service", "framework": "flask"}),
    Case(
        "flask-gunicorn-sqlite-apikey-unicode",
        {
            "project_name": "Café Ünïcode API",
            "package_name": "cafe_api",
            "framework": "flask",
            "server": "gunicorn",
            "python_version": "3.13",
            "database": "sqlite",
            "auth": "api-key",
            "metrics": True,
            "docker": False,
        },
    ),
    Case(
        "flask-granian-postgresql-jwt",
        {
            "project_name": "Stock Keeper",
            "framework": "flask",
            "database": "postgresql",
            "auth": "jwt",
            "metrics": True,
            "tracing": True,
            "ci": "github",
            "compose": True,
            "kubernetes": True,
        },
    ),
]

FRAMEWORKS = ("fastapi", "flask")
