"""The template's questions, read from its copier.yml, and static checks of answers.

copier.yml is the source of truth: keys, types and choices are read from it here, and the
validators (Jinja) are left to Copier itself, which evaluates them while rendering
(`copier_api.py` re-words its errors). Nothing from Copier's private modules is used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apiseed import gitops
from apiseed.errors import ApiseedError, UsageProblem

_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


@dataclass(frozen=True)
class Question:
    name: str
    type: str
    # The allowed values, or None when any value of the type is fine (or when the
    # choices are templated and only Copier can compute them).
    choices: tuple[Any, ...] | None
    help: str


def _choice_values(raw: Any) -> tuple[Any, ...] | None:
    """Values of a copier `choices`: a list, a label -> value mapping, or [label, value]."""
    if isinstance(raw, Mapping):
        return tuple(
            value.get("value") if isinstance(value, Mapping) else value for value in raw.values()
        )
    if isinstance(raw, list):
        values: list[Any] = []
        for item in raw:
            if isinstance(item, list | tuple) and len(item) == 2:
                values.append(item[1])
            else:
                values.append(item)
        return tuple(values)
    return None


class YAMLError(Exception):
    """A YAML file apiseed reads (copier.yml, an answers file) is malformed."""


def parse_yaml(text: str, where: str) -> Any:
    """A YAML document (copier.yml, an answers file), parsed by libyaml when PyYAML has it.

    The C parser is about ten times faster than the pure-Python one: copier.yml is read on
    every `apiseed new`. PyYAML is imported here so that `--help` does not pay for it (its
    type stubs are a separate package, hence the ignore).
    """
    import yaml  # type: ignore[import-untyped,unused-ignore]

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as err:
        raise YAMLError(f"{where}: {err}") from err


def read_yaml(path: Path) -> Any:
    """The YAML document in `path` (copier.yml, an answers file)."""
    return parse_yaml(path.read_text(encoding="utf-8"), str(path))


def load_questions_at(template_dir: Path, ref: str | None) -> dict[str, Question] | None:
    """The questions Copier will ask when it renders git `ref` of `template_dir`.

    `ref` None means the working tree. None when `ref` has no copier.yml to read (an unknown
    ref): Copier then reports the ref itself.
    """
    if ref is None:
        return load_questions(template_dir)
    for name in ("copier.yml", "copier.yaml"):
        shown = gitops.run(template_dir, "show", f"{ref}:{name}", check=False)
        if shown.returncode == 0:
            try:
                return _questions_from(parse_yaml(shown.stdout, f"{name} at {ref}") or {})
            except YAMLError as err:
                raise ApiseedError(f"cannot read {err}") from err
    return None


def load_questions(template_dir: Path) -> dict[str, Question]:
    """The questions of the copier.yml in `template_dir`, in file order."""
    for name in ("copier.yml", "copier.yaml"):
        path = template_dir / name
        if path.is_file():
            break
    else:
        raise UsageProblem(f"{template_dir} has no copier.yml")
    try:
        data = read_yaml(path) or {}
    except (OSError, YAMLError) as err:
        raise ApiseedError(f"cannot read the template's questions from {path}: {err}") from err
    return _questions_from(data)


def _questions_from(data: Mapping[str, Any]) -> dict[str, Question]:
    questions: dict[str, Question] = {}
    for key, details in data.items():
        if str(key).startswith("_"):
            continue  # settings such as _subdirectory, not questions
        if not isinstance(details, Mapping):
            # The short form `name: default` declares a str/auto question.
            details = {"default": details}
        questions[str(key)] = Question(
            name=str(key),
            type=str(details.get("type", "str")),
            choices=_choice_values(details.get("choices")),
            help=str(details.get("help", "")),
        )
    return questions


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    # JSON quoting shows quotes and control characters inside the value unambiguously.
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


def _coerce(question: Question, value: Any, origin: str) -> Any:
    """The value in the question's type, or a UsageProblem saying what is allowed.

    `--data` values arrive as strings; preset values arrive as TOML types. Copier would
    cast "maybe" to True for a bool question, so the check is done here.
    """
    where = f"{origin}: {question.name} = {_show(value)}"
    kind = question.type
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise UsageProblem(f"{where} is not a yes/no value; allowed: true or false")
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        raise UsageProblem(f"{where} is not a whole number")
    if kind == "float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise UsageProblem(f"{where} is not a number")
    if kind == "str":
        if isinstance(value, str):
            return value
        hint = f' (write it in quotes: "{value}")' if isinstance(value, int | float) else ""
        raise UsageProblem(f"{where} must be text{hint}")
    return value  # yaml/json/path/auto: Copier parses these itself


def check_answers(
    answers: Mapping[str, Any], questions: Mapping[str, Question], origin: str
) -> dict[str, Any]:
    """Answers checked for unknown keys, types and choices, converted to their types.

    `origin` names where the answers came from (a preset, --data) for the message.
    """
    checked: dict[str, Any] = {}
    for key, value in answers.items():
        question = questions.get(key)
        if question is None:
            raise UsageProblem(
                f'{origin}: unknown question "{key}"; the template asks: {", ".join(questions)}'
            )
        converted = _coerce(question, value, origin)
        if question.choices is not None and converted not in question.choices:
            allowed = ", ".join(str(choice) for choice in question.choices)
            raise UsageProblem(
                f"{origin}: {key} = {_show(value)} is not one of the choices; allowed: {allowed}"
            )
        checked[key] = converted
    return checked


def parse_data_options(items: tuple[str, ...]) -> dict[str, str]:
    """`-d KEY=VALUE` options as a dict; later ones win, like Copier's own -d."""
    data: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageProblem(f'--data "{item}" is not KEY=VALUE (e.g. -d project_name="Billing")')
        data[key.strip()] = value
    return data
