"""Every validator of copier.yml rejects a bad answer with a message that says what is allowed."""

from pathlib import Path
from typing import Any

import pytest

from tests.harness import recorded_answers, render


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"project_name": "   "}, "project_name must not be empty"),
        ({"project_name": "x" * 61}, "project_name must be at most 60 characters"),
        ({"project_name": 'Say "hi"'}, "must not contain double quotes"),
        ({"project_slug": "Has Spaces"}, "project_slug must be lowercase letters and digits"),
        ({"project_slug": "double--hyphen"}, "joined by single hyphens"),
        ({"package_name": "Billing"}, "package_name must be a lowercase Python identifier"),
        ({"package_name": "2fast"}, "not starting with a digit"),
        ({"package_name": "class"}, '"class" is a Python keyword'),
        ({"package_name": "json"}, "would shadow the standard-library module"),
        ({"package_name": "fastapi"}, "would shadow a dependency or tool"),
        ({"package_name": "pydantic"}, "would shadow a dependency or tool"),
        ({"package_name": "test"}, "would shadow a dependency or tool"),
        ({"description": "two\nlines"}, "description must be one line"),
        ({"author_name": ""}, "author_name must not be empty"),
        ({"author_email": "nobody"}, "author_email must look like name@example.com"),
        ({"author_email": "a@b"}, "author_email must look like name@example.com"),
        ({"python_version": "3.10"}, "Invalid choice for 'python_version'"),
        ({"framework": "django"}, "Invalid choice for 'framework'"),
        ({"framework": "flask", "server": "uvicorn"}, "choose gunicorn or granian"),
        ({"framework": "fastapi", "server": "gunicorn"}, "choose uvicorn or granian"),
        ({"ci": "gitlab"}, "Invalid choice for 'ci'"),
        (
            {"compose": True},
            "compose needs docker=true and database=postgresql (got docker=true, database=none)",
        ),
        (
            {"compose": True, "database": "postgresql", "docker": False},
            "compose needs docker=true and database=postgresql (got docker=false",
        ),
        (
            {"kubernetes": True, "database": "sqlite"},
            "kubernetes needs docker=true and database=postgresql (got docker=true, "
            "database=sqlite)",
        ),
        (
            {"kubernetes": True, "database": "postgresql", "docker": False},
            "kubernetes needs docker=true and database=postgresql (got docker=false",
        ),
    ],
)
def test_bad_answers_are_refused_with_their_reason(
    tmp_path: Path, answers: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=r"Validation error|Invalid choice") as caught:
        render(tmp_path / "project", {"project_name": "Demo", **answers})

    assert message in str(caught.value)
    assert not (tmp_path / "project").exists(), "a refused answer writes nothing"


@pytest.mark.parametrize(
    ("project_name", "slug", "package"),
    [
        ("Demo Service", "demo-service", "demo_service"),
        ("Démo Sérvice Ærø", "demo-service-aero", "demo_service_aero"),
        ("3D Printer Farm", "3d-printer-farm", "svc_3d_printer_farm"),
        ("  Spaced   Out!  ", "spaced-out", "spaced_out"),
        ("日本語", "service", "service"),
    ],
)
def test_slug_and_package_are_derived_from_the_name(
    tmp_path: Path, project_name: str, slug: str, package: str
) -> None:
    answers = recorded_answers(render(tmp_path / "p", {"project_name": project_name}))

    assert (answers["project_slug"], answers["package_name"]) == (slug, package)


def test_server_defaults_follow_the_framework(tmp_path: Path) -> None:
    fastapi = recorded_answers(render(tmp_path / "a", {"framework": "fastapi"}))
    flask = recorded_answers(render(tmp_path / "b", {"framework": "flask"}))

    assert (fastapi["server"], flask["server"]) == ("uvicorn", "granian")


def test_python_version_defaults_to_the_oldest_supported(tmp_path: Path) -> None:
    assert recorded_answers(render(tmp_path / "p", {}))["python_version"] == "3.11"
