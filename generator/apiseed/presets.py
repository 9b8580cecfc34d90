"""Presets: named sets of answers, stored as TOML.

A preset file holds a `description`, an optional `extends` (the name of another preset),
optionally the `template` (and `vcs_ref`) it is meant for, and an `[answers]` table.
Built-in presets ship inside this package; user presets live in
`$XDG_CONFIG_HOME/apiseed/presets/*.toml` (`~/.config/...` when unset) and shadow a
built-in preset of the same name. Checking the answers against the template's questions is
`questionnaire.py`'s job: this module only reads and combines files.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from apiseed.config import TemplateSetting, config_home, template_setting
from apiseed.errors import UsageProblem

BUILTIN = "built-in"
_TOP_LEVEL_KEYS = ("description", "extends", "template", "vcs_ref", "answers")


@dataclass(frozen=True)
class Preset:
    """One preset, with `extends` already resolved into `answers`."""

    name: str
    description: str
    # Answers after merging the chain of `extends` (the parent's first, then this file's).
    answers: dict[str, Any]
    # "built-in", or the path of the user's file.
    source: str
    extends: str | None = None
    # The presets this one was built from, nearest first, for `presets show`.
    chain: tuple[str, ...] = field(default=())
    # The template the preset names (its own, else the nearest preset it extends).
    template: TemplateSetting | None = None

    @property
    def label(self) -> str:
        """How messages name the preset: its name and where it comes from."""
        return f'preset "{self.name}" ({self.source})'


def user_presets_dir() -> Path:
    """Where user presets live, following the XDG base-directory rules."""
    return config_home() / "presets"


def _builtin_files() -> dict[str, str]:
    """Name -> TOML text of each built-in preset (read as package data, zip-safe)."""
    folder = resources.files("apiseed") / "presets"
    return {
        entry.name.removesuffix(".toml"): entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }


def _user_files() -> dict[str, Path]:
    folder = user_presets_dir()
    if not folder.is_dir():
        return {}
    return {path.stem: path for path in sorted(folder.glob("*.toml")) if path.is_file()}


@dataclass(frozen=True)
class _Raw:
    """A preset file as read, before `extends` is resolved."""

    name: str
    description: str
    answers: dict[str, Any]
    extends: str | None
    source: str
    template: TemplateSetting | None


def _parse(name: str, text: str, source: str) -> _Raw:
    where = f'preset "{name}" ({source})'
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise UsageProblem(f"{where} is not valid TOML: {err}") from err
    unknown = sorted(set(data) - set(_TOP_LEVEL_KEYS))
    if unknown:
        hint = ""
        if "answers" not in data:
            hint = " (put answers under an [answers] table)"
        raise UsageProblem(
            f"{where} has unknown top-level key(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(_TOP_LEVEL_KEYS)}{hint}"
        )
    description = data.get("description", "")
    extends = data.get("extends")
    answers = data.get("answers", {})
    if not isinstance(description, str):
        raise UsageProblem(f'{where}: "description" must be a string')
    if extends is not None and not isinstance(extends, str):
        raise UsageProblem(f'{where}: "extends" must be the name of another preset')
    if not isinstance(answers, dict):
        raise UsageProblem(f'{where}: "answers" must be a table ([answers])')
    # A relative template path is relative to the preset's own file.
    base = Path(source).parent if source != BUILTIN else Path.cwd()
    template = template_setting(data, where, base)
    return _Raw(name, description.strip(), answers, extends, source, template)


def _read_user(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UsageProblem(f'cannot read preset file "{path}": {err}') from err


def _find_raw(name: str, *, skip_user: Path | None = None) -> _Raw:
    """Look a preset up by name: user presets first, then built-in ones.

    `skip_user` lets a user preset extend the built-in preset it shadows
    (`fastapi.toml` with `extends = "fastapi"`).
    """
    user = _user_files()
    if name in user and user[name] != skip_user:
        return _parse(name, _read_user(user[name]), str(user[name]))
    builtin = _builtin_files()
    if name in builtin:
        return _parse(name, builtin[name], BUILTIN)
    known = sorted(set(user) | set(builtin))
    raise UsageProblem(
        f'unknown preset "{name}"; available: {", ".join(known)} '
        "(see `apiseed presets`, or pass --preset-file PATH)"
    )


def _resolve(raw: _Raw) -> Preset:
    """Merge the `extends` chain into one preset, refusing cycles."""
    layers = [raw]
    seen = {(raw.name, raw.source)}
    current = raw
    while current.extends is not None:
        skip_user = None
        if current.extends == current.name:
            if current.source == BUILTIN:
                raise UsageProblem(f'preset "{current.name}" extends itself')
            # A user file may extend the preset it shadows: look past the file itself.
            skip_user = Path(current.source)
        parent = _find_raw(current.extends, skip_user=skip_user)
        if (parent.name, parent.source) in seen:
            names = " -> ".join(layer.name for layer in [*layers, parent])
            raise UsageProblem(f"presets extend each other in a cycle: {names}")
        seen.add((parent.name, parent.source))
        layers.append(parent)
        current = parent
    answers: dict[str, Any] = {}
    for layer in reversed(layers):
        answers.update(layer.answers)
    return Preset(
        name=raw.name,
        description=raw.description,
        answers=answers,
        source=raw.source,
        extends=raw.extends,
        chain=tuple(f"{layer.name} ({layer.source})" for layer in layers[1:]),
        template=next((layer.template for layer in layers if layer.template), None),
    )


def load_preset(name: str) -> Preset:
    """The preset called `name` (user presets shadow built-in ones)."""
    return _resolve(_find_raw(name))


def load_preset_file(path: Path) -> Preset:
    """A preset from an explicit file (`--preset-file`), named after the file."""
    if not path.is_file():
        raise UsageProblem(f'preset file "{path}" does not exist or is not a file')
    resolved = path.resolve()
    return _resolve(_parse(path.stem, _read_user(resolved), str(resolved)))


@dataclass(frozen=True)
class Listing:
    """One row of `apiseed presets`: a preset, or why its file could not be used."""

    name: str
    source: str
    description: str
    problem: str | None = None
    shadows_builtin: bool = False


def list_presets() -> list[Listing]:
    """Every preset, built-in first, then the user's; broken files are listed, not fatal."""
    builtin = _builtin_files()
    user = _user_files()
    rows: list[Listing] = []
    for name in sorted(builtin):
        if name in user:
            continue
        rows.append(Listing(name, BUILTIN, _parse(name, builtin[name], BUILTIN).description))
    for name, path in user.items():
        try:
            preset = _resolve(_parse(name, _read_user(path), str(path)))
        except UsageProblem as err:
            rows.append(Listing(name, str(path), "", problem=err.message))
            continue
        rows.append(Listing(name, str(path), preset.description, shadows_builtin=name in builtin))
    return rows


def preset_names() -> list[str]:
    """Names for shell completion: cheap, reads no file contents."""
    return sorted(set(_builtin_files()) | set(_user_files()))
