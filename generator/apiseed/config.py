"""The user's configuration file, and the `template` / `vcs_ref` keys it shares with presets.

`$XDG_CONFIG_HOME/apiseed/config.toml` (`~/.config/apiseed/config.toml` when unset) may
name the template `apiseed new` renders when nothing else does, e.g. a team's fork:

    template = "https://git.example.com/platform/apiseed.git"
    vcs_ref = "2.3.0"

A preset may carry the same two keys. Both are optional; `vcs_ref` needs `template`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apiseed import gitops
from apiseed.errors import UsageProblem

CONFIG_KEYS = ("template", "vcs_ref")


def config_home() -> Path:
    """`$XDG_CONFIG_HOME/apiseed`, following the XDG base-directory rules."""
    value = os.environ.get("XDG_CONFIG_HOME", "")
    # The XDG spec says to ignore a relative value.
    base = Path(value) if os.path.isabs(value) else Path.home() / ".config"
    return base / "apiseed"


def config_path() -> Path:
    return config_home() / "config.toml"


@dataclass(frozen=True)
class TemplateSetting:
    """A template named by a preset or the configuration file."""

    template: str
    vcs_ref: str | None
    # Where it was named, for messages: a preset's label or the configuration file.
    origin: str


def template_setting(data: Mapping[str, Any], where: str, base: Path) -> TemplateSetting | None:
    """The `template` and `vcs_ref` keys of a preset or configuration file, checked.

    A relative path is taken from `base`, the folder of the file that names it.
    """
    template = data.get("template")
    vcs_ref = data.get("vcs_ref")
    if template is None:
        if vcs_ref is not None:
            raise UsageProblem(f'{where}: "vcs_ref" needs "template" in the same file')
        return None
    for key, value in (("template", template), ("vcs_ref", vcs_ref)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise UsageProblem(f'{where}: "{key}" must be a non-empty string')
    if not gitops.is_url(template):
        template = str((base / Path(template).expanduser()).resolve())
    return TemplateSetting(template, vcs_ref, where)


def load_config() -> TemplateSetting | None:
    """The template the user's configuration file names, if it names one."""
    path = config_path()
    if not path.is_file():
        return None
    where = f"configuration file {path}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise UsageProblem(f"cannot read {where}: {err}") from err
    except tomllib.TOMLDecodeError as err:
        raise UsageProblem(f"{where} is not valid TOML: {err}") from err
    unknown = sorted(set(data) - set(CONFIG_KEYS))
    if unknown:
        raise UsageProblem(
            f"{where} has unknown key(s) {', '.join(unknown)}; allowed: {', '.join(CONFIG_KEYS)}"
        )
    return template_setting(data, where, path.parent)
