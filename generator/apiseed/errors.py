"""Errors a person can act on, and the exit codes they map to.

Every failure the CLI reports is an `ApiseedError`: click prints its message without a
traceback and exits with its code. `--verbose` adds the underlying exception's traceback.
"""

from __future__ import annotations

import sys
import traceback
from typing import IO, ClassVar

import click

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_TRUST = 4


class ApiseedError(click.ClickException):
    """The command could not be carried out (exit 1)."""

    exit_code = EXIT_FAILURE
    # Set by the root command from --verbose; a class attribute because click creates the
    # exception far from the context that knows the flag.
    verbose: ClassVar[bool] = False

    def show(self, file: IO[str] | None = None) -> None:
        stream = file if file is not None else sys.stderr
        cause = self.__cause__
        if self.verbose and cause is not None:
            traceback.print_exception(cause, file=stream)
        super().show(file=stream)


class UsageProblem(ApiseedError):
    """The command line or its inputs (presets, --data, --template, --vcs-ref) are wrong."""

    exit_code = EXIT_USAGE


class TrustRequired(ApiseedError):
    """The template would run code (tasks, migrations, extensions) and was not trusted."""

    exit_code = EXIT_TRUST


def indented_list(paths: list[str], limit: int = 20) -> str:
    """Paths for an error message, one per indented line, at most `limit` of them."""
    shown = "".join(f"\n  {path}" for path in paths[:limit])
    more = f"\n  … and {len(paths) - limit} more" if len(paths) > limit else ""
    return shown + more
