"""Copier's public Python API (`run_copy`, `run_update`), with its errors re-worded.

Copier is imported inside the functions: importing it takes about 0.3 s, and
`apiseed --help` / `--version` must not pay for it.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from apiseed.errors import ApiseedError, TrustRequired, UsageProblem

_QUESTION = re.compile(r"^Validation error for question '(?P<key>[^']+)': (?P<why>.*)$", re.S)
_CHOICE = re.compile(r"^Invalid choice for '(?P<key>[^']+)': (?P<why>.*)$", re.S)
_REQUIRED = re.compile(r'^Question "(?P<key>[^"]+)" is required')
_REVISION = re.compile(r"^Unknown revision: (?P<ref>.*)$")


def _reword(message: str, answers: Mapping[str, Any], origins: Mapping[str, str]) -> str:
    """Copier's ValueError text, re-said so it names where the bad answer came from."""
    if match := _QUESTION.match(message) or _CHOICE.match(message):
        key, why = match["key"], match["why"].strip()
        if key in origins:
            value = answers.get(key)
            shown = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)
            return f"{origins[key]}: {key} = {shown} is not allowed: {why}"
        return (
            f"{key}, computed from your other answers, is not allowed: {why}. "
            f"Pass -d {key}=VALUE to choose it yourself (project_name defaults to DEST's "
            "folder name)."
        )
    if match := _REQUIRED.match(message):
        return f"the template needs an answer for {match['key']}: pass -d {match['key']}=VALUE"
    if match := _REVISION.match(message):
        return f"--vcs-ref {match['ref']} is not a tag, branch or commit of the template"
    if message.startswith("Local template must be a directory"):
        return "the template is not a folder or git repository Copier can read"
    return message


def problem_key(error: BaseException) -> str | None:
    """The question a re-worded Copier answer error is about, if it is about one."""
    message = str(error.__cause__ or "")
    match = _QUESTION.match(message) or _CHOICE.match(message) or _REQUIRED.match(message)
    return match["key"] if match else None


def problem_reason(error: BaseException) -> str:
    """What the template's validator said about the answer a re-worded error is about."""
    message = str(error.__cause__ or "")
    match = _QUESTION.match(message) or _CHOICE.match(message)
    return match["why"].strip() if match else message


@contextmanager
def git_environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Extra environment for the git commands Copier runs, for one call only.

    Copier runs git through plumbum, whose environment is a copy of `os.environ` taken when
    plumbum is imported; `local.env(...)` is plumbum's own way to change it for a while.
    `os.environ` is set too, for what Copier reads itself (COPIER_CACHE_DIR).
    """
    if not variables:
        yield
        return
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        from plumbum import local

        with local.env(**variables):
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def copier_errors(
    answers: Mapping[str, Any] | None = None, origins: Mapping[str, str] | None = None
) -> Iterator[None]:
    """Turn Copier's exceptions into messages a person can act on, with exit codes.

    Copier raises plain ValueError/TypeError for bad answers and an unknown --vcs-ref, and
    its own errors for the rest; the order of the clauses matters (subclasses first).
    """
    from copier import errors

    # Copier runs git through plumbum; a failing git command raises this OSError subclass.
    from plumbum import ProcessExecutionError

    try:
        with warnings.catch_warnings():
            # DirtyLocalWarning & co. are replaced by apiseed's own notes (template.py).
            warnings.simplefilter("ignore")
            yield
    except errors.UnsafeTemplateError as err:
        # Copier's message ends with advice for its own CLI; keep what it found, give ours.
        found = str(err).split(" If you trust", 1)[0]
        raise TrustRequired(
            f"{found} Re-run with --trust if you trust the template's source."
        ) from err
    except errors.CopierAnswersInterrupt as err:
        raise click.Abort() from err
    except errors.InteractiveSessionError as err:
        raise ApiseedError(
            "answers are missing and there is no terminal to ask them: pass --defaults, "
            "a --preset or -d KEY=VALUE"
        ) from err
    except errors.UserMessageError as err:
        raise ApiseedError(err.message) from err
    except errors.ConfigFileError as err:
        raise ApiseedError(f"the template's configuration is invalid: {err}") from err
    except (ValueError, TypeError) as err:
        raise UsageProblem(_reword(str(err), answers or {}, origins or {})) from err
    except errors.CopierError as err:
        raise ApiseedError(f"Copier failed: {err}") from err
    except ProcessExecutionError as err:
        command = " ".join(str(arg) for arg in err.argv)
        detail = str(err.stderr or err.stdout).strip()
        raise ApiseedError(f"Copier's `{command}` failed: {detail}") from err
    except OSError as err:
        where = f" {err.filename}" if err.filename else ""
        raise ApiseedError(f"cannot write{where}: {err.strerror or err}") from err


def render(
    src: str,
    dst: Path,
    *,
    data: Mapping[str, Any],
    user_defaults: Mapping[str, Any],
    ask: bool,
    vcs_ref: str | None,
    trust: bool,
    origins: Mapping[str, str],
    pretend: bool = False,
    git_env: Mapping[str, str] | None = None,
) -> None:
    """Render the template into `dst` (a fresh folder apiseed owns)."""
    from copier import run_copy

    with copier_errors(data, origins), git_environment(git_env or {}):
        run_copy(
            src,
            dst,
            data=dict(data),
            user_defaults=dict(user_defaults),
            defaults=not ask,
            vcs_ref=vcs_ref,
            unsafe=trust,
            pretend=pretend,
            # apiseed prints its own summary and next steps.
            quiet=True,
        )


def update(
    path: Path,
    *,
    data: Mapping[str, Any],
    ask: bool,
    vcs_ref: str | None,
    trust: bool,
    origins: Mapping[str, str],
    git_env: Mapping[str, str] | None = None,
) -> None:
    """Bring the project at `path` up to the template (Copier's 3-way merge)."""
    from copier import run_update

    with copier_errors(data, origins), git_environment(git_env or {}):
        run_update(
            path,
            data=dict(data),
            defaults=not ask,
            vcs_ref=vcs_ref,
            unsafe=trust,
            # Required by the API for an update; it only replaces files Copier generated.
            overwrite=True,
            conflict="inline",
            quiet=True,
        )
