"""The `apiseed` command line: `new`, `presets`, `update`, `add resource`.

Only cheap modules are imported at the top: Copier is imported inside the commands that
render (copier_api.py), so `--help` and `--version` answer at once.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem

from apiseed import __version__
from apiseed.errors import ApiseedError

if TYPE_CHECKING:
    from apiseed.presets import Preset
    from apiseed.questionnaire import Question
    from apiseed.scaffold import NewRequest, NewResult

# Heavier modules (presets, questionnaire, scaffold) are imported inside the commands too:
# `--help` and `--version` need none of them.


def _interactive() -> bool:
    """Whether Copier may prompt: only with a terminal on both ends."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _note(message: str) -> None:
    click.secho(f"Note: {message}", err=True, fg="yellow")


def _complete_presets(
    _ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    from apiseed.presets import preset_names

    return [CompletionItem(name) for name in preset_names() if name.startswith(incomplete)]


data_option = click.option(
    "-d",
    "--data",
    "data",
    metavar="KEY=VALUE",
    multiple=True,
    help="Answer a question (repeatable); wins over the preset.",
)
vcs_ref_option = click.option(
    "--vcs-ref",
    metavar="REF",
    help="Template tag, branch or commit (default: latest release tag, or HEAD if none).",
)
defaults_option = click.option(
    "--defaults", is_flag=True, help="Ask nothing: unanswered questions take their defaults."
)
trust_option = click.option(
    "--trust", is_flag=True, help="Allow a template that runs tasks or migrations."
)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from apiseed.template import describe_default_template

    click.echo(f"apiseed, version {__version__}")
    click.echo(describe_default_template())
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-V",
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show apiseed's version and the template version it carries, and exit.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show the cause of errors in detail.")
def main(verbose: bool) -> None:
    """Generate Flask or FastAPI services from the apiseed template, and update them."""
    ApiseedError.verbose = verbose


# ---------------------------------------------------------------------------- new


def _default_answers(questions: dict[str, Question], dest: Path) -> dict[str, Any]:
    """Defaults that depend on where apiseed runs: the folder name and the Python.

    The folder name is only offered: the template's validator decides whether it is a
    valid project_name (scaffold.py falls back to the template's default if not).
    """
    defaults: dict[str, Any] = {}
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    question = questions.get("python_version")
    if question is not None and question.choices is not None and python in question.choices:
        defaults["python_version"] = python
    if "project_name" in questions and dest.name:
        defaults["project_name"] = dest.name
    return defaults


def _preset_for(preset: str | None, preset_file: Path | None) -> Preset | None:
    from apiseed.presets import load_preset, load_preset_file

    if preset and preset_file:
        raise click.UsageError("use either --preset or --preset-file, not both")
    if preset:
        return load_preset(preset)
    if preset_file:
        return load_preset_file(preset_file)
    return None


def _cd_hint(dest: Path) -> str:
    try:
        shown = os.path.relpath(dest)
    except ValueError:
        shown = str(dest)
    if shown.startswith(".."):
        shown = str(dest)
    return shlex.quote(shown)


@main.command()
@click.argument("dest", type=click.Path(path_type=Path))
@click.option(
    "-p",
    "--preset",
    metavar="NAME",
    shell_complete=_complete_presets,
    help="Start from a preset's answers (see `apiseed presets`).",
)
@click.option(
    "--preset-file",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="PATH",
    help="Start from the answers in a preset file (e.g. your team's).",
)
@data_option
@defaults_option
@click.option(
    "--template",
    metavar="SRC",
    help="Template folder or git URL (default: $APISEED_TEMPLATE, the preset's or "
    "configuration file's, else the one apiseed carries).",
)
@vcs_ref_option
@click.option("--no-git", is_flag=True, help="Do not run git init and the first commit.")
@click.option("--pretend", is_flag=True, help="Show what would be created; write nothing.")
@click.option(
    "-f", "--force", is_flag=True, help="Allow a non-empty DEST (never replaces its files)."
)
@trust_option
def new(
    dest: Path,
    preset: str | None,
    preset_file: Path | None,
    data: tuple[str, ...],
    defaults: bool,
    template: str | None,
    vcs_ref: str | None,
    no_git: bool,
    pretend: bool,
    force: bool,
    trust: bool,
) -> None:
    """Create a new service in DEST.

    Answers come from the preset, then -d/--data, then the template's defaults. With a
    terminal and without --defaults, the questions left open are asked.
    """
    from apiseed import scaffold

    if not str(dest).strip():
        raise click.BadParameter("must not be empty", param_hint="DEST")
    request = _new_request(
        dest.expanduser().absolute(),
        _preset_for(preset, preset_file),
        parse_data(data),
        template=template,
        vcs_ref=vcs_ref,
        ask=not defaults and _interactive(),
        options={"trust": trust, "force": force, "git": not no_git, "pretend": pretend},
    )
    for message in request.plan.notes:
        _note(message)
    _report_new(scaffold.create(request), pretend)


def parse_data(data: tuple[str, ...]) -> dict[str, str]:
    from apiseed.questionnaire import parse_data_options

    return parse_data_options(data)


def _new_request(
    dest: Path,
    chosen: Preset | None,
    data_given: dict[str, str],
    *,
    template: str | None,
    vcs_ref: str | None,
    ask: bool,
    options: dict[str, bool],
) -> NewRequest:
    """Everything `apiseed new` will do, checked before anything is written."""
    from apiseed import scaffold
    from apiseed import template as templates
    from apiseed.questionnaire import check_answers, load_questions_at

    source = templates.resolve_template(template, chosen.template if chosen else None)
    plan = templates.plan_render(source, vcs_ref)
    questions = (
        load_questions_at(plan.questions_dir, plan.questions_ref) if plan.questions_dir else None
    )
    answers: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for values, origin in (
        (chosen.answers if chosen else {}, chosen.label if chosen else ""),
        (data_given, "--data"),
    ):
        checked = check_answers(values, questions, origin) if questions is not None else values
        answers.update(checked)
        origins.update(dict.fromkeys(checked, origin))
    # Refuse a bad DEST before saying anything about the template.
    scaffold.check_destination(dest, options["force"])
    return scaffold.NewRequest(
        dest=dest,
        plan=plan,
        data=answers,
        user_defaults=_default_answers(questions, dest) if questions is not None else {},
        origins=origins,
        ask=ask,
        **options,
    )


def next_steps(package: str, *, uv: bool) -> list[tuple[str, str]]:
    """The generated README's commands to start the service and run its tests, each with
    what it does: uv's when uv is installed, else a virtual environment and pip."""
    if uv:
        return [
            (f"uv run python -m {package}", "start the service on http://127.0.0.1:8000"),
            ("uv run pytest", "run its tests"),
        ]
    return [
        ("python -m venv .venv && . .venv/bin/activate && pip install -e . --group dev", ""),
        (f"python -m {package}", "start the service on http://127.0.0.1:8000"),
        ("pytest", "run its tests"),
    ]


def _report_new(result: NewResult, pretend: bool) -> None:
    answers = result.answers
    what = (
        f"{answers.get('project_name', result.dest.name)} "
        f"({answers.get('framework', '?')} on {answers.get('server', '?')})"
    )
    files = [name for name in result.written if not name.startswith(".git/")]
    if pretend:
        click.echo(f"Would create {what} in {result.dest}, {len(files)} files:")
        for name in files:
            click.echo(f"  {name}")
        if result.git_committed:
            click.echo("Would run git init and commit the generated files.")
        for message in result.notes:
            _note(message)
        click.echo("Nothing was written (--pretend).")
        return
    click.echo(f"Created {what} in {result.dest}.")
    if result.identical:
        click.echo(f"Left {len(result.identical)} identical existing file(s) untouched.")
    if result.git_committed:
        click.echo(
            "Initialized a git repository and committed the generated files, so "
            "`apiseed update` can bring in template changes later."
        )
    for message in result.notes:
        _note(message)
    uv = shutil.which("uv") is not None
    steps = [(f"cd {_cd_hint(result.dest)}", "")]
    steps += next_steps(answers.get("package_name", "<package>"), uv=uv)
    width = max(len(command) for command, why in steps if why) + 2
    click.echo("\nNext steps:")
    for command, why in steps:
        click.echo(f"  {command:<{width}}# {why}" if why else f"  {command}")
    if uv:
        click.echo("The first `uv run` writes uv.lock: commit it, it pins what you tested.")


# ---------------------------------------------------------------------------- presets


def _toml_value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    # JSON strings and arrays are valid TOML basic strings and arrays.
    return json.dumps(value, ensure_ascii=False)


@main.group(invoke_without_command=True)
@click.pass_context
def presets(ctx: click.Context) -> None:
    """List the built-in and user presets."""
    if ctx.invoked_subcommand is not None:
        return
    from apiseed.presets import list_presets, user_presets_dir

    rows = list_presets()
    width = max((len(row.name) for row in rows), default=0)
    for row in rows:
        if row.problem:
            click.echo(f"{row.name:<{width}}  (unusable: {row.problem})")
            continue
        where = "built-in" if row.source == "built-in" else f"user: {row.source}"
        if row.shadows_builtin:
            where += ", replaces the built-in preset"
        click.echo(f"{row.name:<{width}}  {row.description or '(no description)'}  [{where}]")
    click.echo(f"\nUser presets: {user_presets_dir()}/*.toml")


@presets.command("show")
@click.argument("name", shell_complete=_complete_presets)
def presets_show(name: str) -> None:
    """Print the answers of preset NAME (after `extends`), as TOML."""
    from apiseed.presets import load_preset

    preset = load_preset(name)
    click.echo(f"# {preset.label}")
    for parent in preset.chain:
        click.echo(f"# extends {parent}")
    click.echo(f"description = {_toml_value(preset.description)}")
    click.echo("\n[answers]")
    for key, value in preset.answers.items():
        click.echo(f"{key} = {_toml_value(value)}")


# ---------------------------------------------------------------------------- update


@main.command()
@click.argument("path", default=".", type=click.Path(path_type=Path, file_okay=False, exists=True))
@vcs_ref_option
@defaults_option
@data_option
@trust_option
def update(
    path: Path, vcs_ref: str | None, defaults: bool, data: tuple[str, ...], trust: bool
) -> None:
    """Bring the project at PATH (default: here) up to the template.

    PATH must be a committed git work tree. Afterwards review `git diff` and commit; when
    the merge leaves conflicts, they are listed and the exit code is 1.
    """
    from apiseed.updating import update_project

    result = update_project(
        path,
        data=parse_data(data),
        ask=not defaults and _interactive(),
        vcs_ref=vcs_ref,
        trust=trust,
    )
    if not result.changed:
        click.echo(f"{result.path} is up to date with the template ({result.new_version}).")
        return
    click.echo(
        f"Updated {result.path} from template {result.old_version} to {result.new_version}; "
        f"{len(result.changed)} file(s) changed."
    )
    if result.conflicts:
        listing = "\n".join(f"  {name}  ({why})" for name, why in result.conflicts)
        raise ApiseedError(
            "the update left conflicts to resolve:\n"
            f"{listing}\n"
            "Edit each file to keep the right lines (remove the <<<<<<< ======= >>>>>>> "
            "markers, merge any .rej hunk and delete it), then `git add` and commit."
        )
    click.echo("Review the changes with `git diff`, then commit them.")


# ---------------------------------------------------------------------------- add


@main.group()
def add() -> None:
    """Add code to a generated project."""


@add.command("resource")
@click.argument("name")
@click.option(
    "--project",
    "project",
    default=".",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="The generated project (default: the current folder).",
)
@vcs_ref_option
def add_resource(name: str, project: Path, vcs_ref: str | None) -> None:
    """Add the resource NAME (a plural, e.g. orders) to the project, made like the sample.

    Writes NAME's schemas, repository, router or blueprint, tests and, with a database, its
    model and a migration revision, from the template version the project records, and adds
    one import and one line to app.py. Nothing is written when anything is refused.
    """
    from apiseed.resource import add_resource as add_to_project

    result = add_to_project(project, name, vcs_ref)
    click.echo(f"Added the {result.name.plural} resource to {result.project}:")
    for path in result.written:
        click.echo(f"  new      {path}")
    for path in result.changed:
        click.echo(f"  changed  {path}")
    click.echo(
        f"It answers /api/v1/{result.name.plural} with the sample's fields (name, price, tags): "
        f"edit {result.name.plural}/schemas.py"
        + (
            ", models.py and the new revision"
            if any("/versions/" in p for p in result.written)
            else ""
        )
        + " to make them yours, then run the tests."
    )


__all__ = ["main"]
