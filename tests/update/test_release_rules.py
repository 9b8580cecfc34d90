"""The rules every release keeps, checked on this working tree's copier.yml.

A project records its answers; `copier update --defaults` replays them against the new
release, and Copier silently replaces an answer the release no longer accepts with the
default. So: every choice value ever shipped stays (shipped.yml), every question has a
default, and answers recorded by earlier releases still render to the same answers.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml

from apiseed.questionnaire import load_questions
from tests.harness import REPO_ROOT

from .release import template_files

SHIPPED: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "shipped.yml").read_text())
RECORDED = [
    pytest.param(answers, id=f"{release}-{index}")
    for release, sets in SHIPPED["recorded_answers"].items()
    for index, answers in enumerate(sets)
]
SHIPPED_CHOICES = [
    pytest.param(name, value, id=f"{name}={value}")
    for name, values in SHIPPED["choices"].items()
    for value in values
]


def config() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO_ROOT / "copier.yml").read_text())
    return data


@pytest.fixture(scope="session")
def head_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree's template as a plain folder (faster to render than a git repo)."""
    root = tmp_path_factory.mktemp("head") / "apiseed"
    for name in template_files():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, root / name)
    return root


@pytest.mark.parametrize(("name", "value"), SHIPPED_CHOICES)
def test_every_shipped_choice_is_still_offered(name: str, value: str) -> None:
    question = load_questions(REPO_ROOT).get(SHIPPED["renamed"].get(name, name))
    assert question is not None, f"question {name} is gone (rename it in shipped.yml)"
    assert question.choices is not None and value in question.choices, (
        f"{name}: {value!r} was offered by a release; removing it makes `copier update` "
        "silently give existing projects the default instead"
    )


def test_every_shipped_choice_is_used_by_recorded_answers() -> None:
    used = {
        (name, answers.get(name))
        for sets in SHIPPED["recorded_answers"].values()
        for answers in sets
        for name in SHIPPED["choices"]
    }
    missing = {(n, v) for n, values in SHIPPED["choices"].items() for v in values} - used
    assert not missing, f"add recorded answers that use {sorted(missing)} to shipped.yml"


def test_every_question_has_a_default() -> None:
    questions = {key: value for key, value in config().items() if not key.startswith("_")}
    assert questions
    missing = [key for key, value in questions.items() if "default" not in (value or {})]
    assert not missing, (
        f"questions without a default: {missing}; `copier update --defaults` fails with "
        "'Question \"x\" is required' for every existing project"
    )


def test_every_question_of_the_recorded_answers_still_exists() -> None:
    questions = load_questions(REPO_ROOT)
    for sets in SHIPPED["recorded_answers"].values():
        for answers in sets:
            for name in answers:
                current = SHIPPED["renamed"].get(name, name)
                assert current in questions, (
                    f"question {name} is gone: add a `_migrations` entry that renames or "
                    "drops it in projects' answers files, and list it under `renamed`"
                )


@pytest.mark.parametrize("recorded", RECORDED)
def test_recorded_answers_are_accepted_unchanged(
    recorded: dict[str, Any], head_template: Path, tmp_path: Path
) -> None:
    answers = {SHIPPED["renamed"].get(name, name): value for name, value in recorded.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # As data, an answer HEAD refuses raises (on update it would be replaced silently).
        copier.run_copy(
            str(head_template),
            tmp_path,
            data=answers,
            defaults=True,
            quiet=True,
            settings=copier.Settings(),
            exclude=["*", "!.copier-answers.yml"],
        )
    rendered = yaml.safe_load((tmp_path / ".copier-answers.yml").read_text())
    assert {key: rendered.get(key) for key in answers} == answers
