"""`apiseed add resource NAME`: a new resource made the way the sample `items` is made.

The template version the project records (`.copier-answers.yml`) is rendered with the project's
answers, through Copier, into a temporary folder; its sample resource (the package, its tests
and, with a database, the revision that creates its table) is renamed to NAME, checked with the
project's ruff settings, and written beside the project's own code. One import and one line in
`app.py` wire it in. So the new resource is exactly what the project's template version would
have generated, and cannot drift from the sample. Everything is prepared before anything is
written: a refused name, a changed `app.py` or a failed render leaves the project untouched.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apiseed import copier_api
from apiseed.errors import ApiseedError, UsageProblem, indented_list
from apiseed.updating import read_answers, recorded_template_env

SAMPLE = "items"
# Longer names make constraint names (pk_<table>) and class names unwieldy; PostgreSQL cuts
# identifiers at 63 characters.
MAX_NAME = 40
_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# Import names of the generated projects' dependencies and tools: a package of the same name
# would shadow them.
DEPENDENCIES = frozenset(
    {
        "alembic", "apiflask", "asyncpg", "fastapi", "flask", "flask_cors", "granian", "gunicorn",
        "httpx", "jwt", "mypy", "prometheus_client", "psycopg", "pydantic", "pydantic_settings",
        "pytest", "ruff", "sqlalchemy", "starlette", "uvicorn", "werkzeug", "aiosqlite",
    }
)  # fmt: skip


@dataclass(frozen=True)
class ResourceName:
    """The forms of a resource's name in code and prose."""

    plural: str  # orders, order_lines: package, table, URL and tag
    singular: str  # order, order_line: variables and ids

    @property
    def model(self) -> str:
        """The class-name prefix: Order, OrderLine."""
        return "".join(word.capitalize() for word in self.singular.split("_"))

    @property
    def words(self) -> str:
        """The singular in prose, capitalised: Order line."""
        return self.singular.replace("_", " ").capitalize()


def singular_of(plural: str) -> str | None:
    """The singular of an English plural the simple rules cover, or None."""
    for ending, replacement in (("ies", "y"), ("sses", "ss"), ("shes", "sh"), ("ches", "ch")):
        if plural.endswith(ending):
            return plural[: -len(ending)] + replacement
    if plural.endswith(("xes", "zes")):
        return plural[:-2]
    if plural.endswith("s") and not plural.endswith(("ss", "us", "is")):
        return plural[:-1]
    return None


def _reserved(word: str) -> str | None:
    """Why `word` cannot name a Python module or variable of the project, if it cannot."""
    if keyword.iskeyword(word) or keyword.issoftkeyword(word):
        return "is a Python keyword"
    if word in dir(builtins):
        return "is a Python built-in name"
    if word in sys.stdlib_module_names:
        return "is a module of Python's standard library"
    if word in DEPENDENCIES:
        return "is a module the project depends on"
    return None


def parse_name(name: str) -> ResourceName:
    """NAME checked: a plural, lowercase Python identifier that shadows nothing."""
    hint = "a plural, lowercase Python identifier such as orders or order_lines"
    if not _NAME.match(name):
        if _NAME.match(name.lower()):
            raise UsageProblem(f'NAME "{name}" has uppercase letters; use {name.lower()}')
        raise UsageProblem(f'NAME "{name}" is not {hint}')
    if len(name) > MAX_NAME:
        raise UsageProblem(f'NAME "{name}" is longer than {MAX_NAME} characters')
    singular = singular_of(name)
    if singular is None or not _NAME.match(singular):
        raise UsageProblem(f'NAME "{name}" is not a plural; give {hint}')
    for word in (name, singular):
        why = _reserved(word)
        if why is not None:
            shown = "" if word == name else f' (its singular "{word}" names variables)'
            raise UsageProblem(f'NAME "{name}"{shown}: "{word}" {why}; choose another name')
    return ResourceName(name, singular)


# ----------------------------------------------------------------------------- renaming


def rename(text: str, name: ResourceName) -> str:
    """The sample's code and prose with `items` replaced by the new resource's names."""
    plural, singular = name.plural, name.singular
    text = text.replace(" Rename or delete it as the README says.", "")
    text = text.replace(" table of the sample resource", " table")
    text = text.replace("the sample resource", f"the {plural} resource")
    text = text.replace("The sample resource", f"The {plural} resource")
    article = "an" if singular[0] in "aeiou" else "a"
    text = re.sub(r"\b([Aa])n item\b", lambda m: f"{m[1]}{article[1:]} {singular}", text)
    words = {
        "ITEMS": plural.upper(),
        "ITEM": singular.upper(),
        "Items": f"{name.words}s",  # prose: "Items in id order", "Item {item_id} not found"
        "Item": f"{name.words}",
        "Item_class": name.model,  # ItemCreate, -> Item | None
        # `.items()` is the dict method; every other `items` is the sample's name.
        "items": plural,
        "item": singular,
    }
    pattern = re.compile(
        r"(?<![A-Za-z])(?:(ITEMS|ITEM|Items(?= [a-z])|Item(?= [a-z{])|items|item)|(Item))"
        r"|\.items\(\)"
    )

    def replace(match: re.Match[str]) -> str:
        return words[match[1]] if match[1] else words["Item_class"] if match[2] else match[0]

    return pattern.sub(replace, text)


# ----------------------------------------------------------------------------- migrations


def _assigned(tree: ast.Module, target: str) -> object:
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == target for t in targets) and node.value:
                try:
                    return ast.literal_eval(node.value)
                except ValueError:
                    return None
    return None


def alembic_heads(versions: Path) -> list[str]:
    """The revisions no other revision revises: where a new one chains on."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in sorted(versions.glob("*.py")):
        try:
            tree = ast.parse(script.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError) as err:
            raise ApiseedError(f"cannot read the migration {script}: {err}") from err
        revision = _assigned(tree, "revision")
        if not isinstance(revision, str):
            continue
        revisions.add(revision)
        down = _assigned(tree, "down_revision")
        revised.update([down] if isinstance(down, str) else down or [])  # type: ignore[arg-type]
    return sorted(revisions - revised)


def chain_revision(text: str, name: ResourceName, down: str | None, now: datetime) -> str:
    """The sample's first revision, renamed, made a new revision on top of `down`."""
    revision = uuid.uuid4().hex[-12:]
    replacements = [
        (r'^revision: str = "[^"]*"$', f'revision: str = "{revision}"'),
        (r"^down_revision: (.*) = None$", rf"down_revision: \1 = {down and repr(down)}"),
        (r"^Revision ID: .*$", f"Revision ID: {revision}"),
        (r"^Revises:.*$", f"Revises: {down or ''}".rstrip()),
        (r"^Create Date: .*$", f"Create Date: {now:%Y-%m-%d}"),
        (
            r"^Written by the apiseed template; .*$",
            f"Written by `apiseed add resource {name.plural}`.",
        ),
    ]
    for pattern, replacement in replacements:
        text, found = re.subn(pattern, replacement.replace("'", '"'), text, count=1, flags=re.M)
        if not found:
            raise ApiseedError(
                "the template's sample revision does not have the shape apiseed knows "
                f"(no line matching {pattern}); write the {name.plural} revision with "
                "`alembic revision --autogenerate` instead"
            )
    return text


# ----------------------------------------------------------------------------- wiring


@dataclass(frozen=True)
class Wiring:
    """The two lines `app.py` gets, and where."""

    import_line: str
    include_line: str
    # The line the import goes after, and the line the include block starts with.
    import_anchor: re.Pattern[str]
    include_anchor: re.Pattern[str]
    include_block: re.Pattern[str]


def wiring_for(framework: str, package: str, name: ResourceName) -> Wiring:
    if framework == "flask":
        import_line = f"from {package}.{name.plural} import {name.plural}"
        include = "    app.register_blueprint({})"
    else:
        import_line = f"from {package} import {name.plural}"
        include = "    app.include_router({}.router)"
    pattern = "^" + re.escape(include).replace(r"\{\}", "{}") + "$"
    return Wiring(
        import_line,
        include.format(name.plural),
        re.compile(rf"^from {re.escape(package)} import .*\b__version__\b"),
        re.compile(pattern.format("health")),
        re.compile(pattern.format(r"\w+")),
    )


def wire(app_text: str, wiring: Wiring, app_path: str) -> str:
    """`app.py` with the import and the include added (imports sorted later by ruff)."""
    lines = app_text.splitlines(keepends=True)
    imports = [i for i, line in enumerate(lines) if wiring.import_anchor.match(line)]
    includes = [i for i, line in enumerate(lines) if wiring.include_anchor.match(line)]
    if len(imports) != 1 or len(includes) != 1:
        raise ApiseedError(
            f"{app_path} no longer has the lines apiseed adds to (the import of __version__ "
            "and the health include), so nothing was written. Add the resource's lines by hand "
            f"where they belong:\n  {wiring.import_line}\n  {wiring.include_line.strip()}"
        )
    end = includes[0] + 1
    while end < len(lines) and wiring.include_block.match(lines[end]):
        end += 1
    lines.insert(end, wiring.include_line + "\n")
    lines.insert(imports[0] + 1, wiring.import_line + "\n")
    return "".join(lines)


# ----------------------------------------------------------------------------- ruff


def ruff_fixed(project: Path, package: str, relative: str, text: str, *, format_code: bool) -> str:
    """`text` with its imports sorted (and formatted) by ruff, under the project's settings,
    as the project's own `alembic revision` hook does for new revisions."""
    from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped,unused-ignore]

    ruff = str(find_ruff_bin())
    # The new files do not exist yet, so ruff cannot see that their package is the project's.
    first_party = f"lint.isort.known-first-party = [{package!r}]"
    commands = [
        ["check", "--select", "I", "--fix", "--exit-zero", "--quiet", "--config", first_party]
    ]
    if format_code:
        commands.append(["format", "--quiet"])
    for command in commands:
        result = subprocess.run(
            [ruff, *command, "--stdin-filename", relative, "-"],
            cwd=project,
            input=text,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            why = (result.stderr or result.stdout).strip()
            raise ApiseedError(f"ruff could not {command[0]} {relative}: {why}")
        text = result.stdout
    return text


# ----------------------------------------------------------------------------- the command


@dataclass
class AddResult:
    project: Path
    name: ResourceName
    written: list[str]
    changed: list[str]


def _existing(project: Path, package: str, name: ResourceName) -> list[str]:
    src = project / "src" / package
    candidates = [
        src / name.plural,
        src / f"{name.plural}.py",
        project / "tests" / f"test_{name.plural}.py",
    ]
    found = [path.relative_to(project).as_posix() for path in candidates if path.exists()]
    versions = src / "migrations" / "versions"
    found += [
        str(path.relative_to(project))
        for path in sorted(versions.glob(f"*create_{name.plural}.py"))
    ]
    return found


def _sample_files(rendered: Path, package: str, database: str) -> dict[str, str]:
    """The sample resource's files in a render, by path relative to the project."""
    src = f"src/{package}"
    paths = sorted(
        path.relative_to(rendered).as_posix() for path in (rendered / src / SAMPLE).glob("*.py")
    )
    paths.append(f"tests/test_{SAMPLE}.py")
    if database != "none":
        paths += [
            path.relative_to(rendered).as_posix()
            for path in sorted((rendered / src / "migrations" / "versions").glob("*.py"))
        ]
    return {path: (rendered / path).read_text(encoding="utf-8") for path in paths}


def render_sample(answers: Mapping[str, Any], vcs_ref: str | None, into: Path) -> None:
    """The project's template version rendered with its answers (Copier's run_copy)."""
    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    copier_api.render(
        str(answers["_src_path"]),
        into,
        data=data,
        user_defaults={},
        ask=False,
        vcs_ref=vcs_ref or str(answers["_commit"]),
        trust=False,
        origins={},
        git_env=recorded_template_env(answers) if vcs_ref is None else {},
    )


def plan_resource(
    project: Path, raw_name: str, vcs_ref: str | None
) -> tuple[ResourceName, dict[str, str]]:
    """Every file `add resource` writes (app.py included), with its content; nothing written."""
    name = parse_name(raw_name)
    answers = read_answers(project)
    package, framework = str(answers["package_name"]), str(answers["framework"])
    database = str(answers.get("database", "none"))
    if name.plural == SAMPLE:
        raise UsageProblem(f'NAME "{SAMPLE}" is the sample resource\'s name; choose another')
    taken = _existing(project, package, name)
    if taken:
        raise ApiseedError(
            f"{project} already has a resource or module named {name.plural}; nothing was "
            f"written:"
            f"{indented_list(taken)}"
        )
    app_path = f"src/{package}/app.py"
    try:
        app_text = (project / app_path).read_text(encoding="utf-8")
    except OSError as err:
        raise ApiseedError(f"cannot read {project / app_path}: {err.strerror}") from err
    wired = wire(app_text, wiring_for(framework, package, name), app_path)

    with tempfile.TemporaryDirectory(prefix="apiseed-resource-") as scratch:
        rendered = Path(scratch) / "project"
        render_sample(answers, vcs_ref, rendered)
        sample = _sample_files(rendered, package, database)
    if f"src/{package}/{SAMPLE}/__init__.py" not in sample:
        raise ApiseedError(
            f"template {answers['_commit']} has no sample resource to copy; "
            "update the project (`apiseed update`) first"
        )

    files: dict[str, str] = {}
    for path, text in sample.items():
        if "/migrations/versions/" in path:
            continue
        target = path.replace(f"/{SAMPLE}/", f"/{name.plural}/").replace(
            f"test_{SAMPLE}.py", f"test_{name.plural}.py"
        )
        files[target] = rename(text, name)
    if database != "none":
        files.update(_revision(project, package, name, sample))
    files = {
        path: ruff_fixed(project, package, path, text, format_code=True)
        for path, text in files.items()
    }
    files[app_path] = ruff_fixed(project, package, app_path, wired, format_code=False)
    return name, files


def _revision(
    project: Path, package: str, name: ResourceName, sample: Mapping[str, str]
) -> dict[str, str]:
    versions = f"src/{package}/migrations/versions"
    first = [path for path in sample if path.startswith(versions) and f"_create_{SAMPLE}" in path]
    if len(first) != 1:
        raise ApiseedError("the template's sample has no revision creating its table to copy")
    heads = alembic_heads(project / versions)
    if len(heads) > 1:
        raise ApiseedError(
            f"the migrations have {len(heads)} heads ({', '.join(heads)}); merge them first "
            "(`alembic merge heads`), so the new revision has one to follow"
        )
    now = datetime.now(UTC)
    text = chain_revision(rename(sample[first[0]], name), name, heads[0] if heads else None, now)
    revision = re.search(r'^revision: str = "([^"]+)"', text, re.M)
    assert revision is not None  # chain_revision wrote it
    # The file name the project's alembic `file_template` gives (pyproject.toml).
    filename = f"{now:%Y_%m_%d_%H%M}-{revision[1]}_create_{name.plural}.py"
    return {f"{versions}/{filename}": text}


def add_resource(project: Path, raw_name: str, vcs_ref: str | None = None) -> AddResult:
    project = project.resolve()
    if not project.is_dir():
        raise ApiseedError(f"{project} is not a folder")
    name, files = plan_resource(project, raw_name, vcs_ref)
    written: list[str] = []
    changed: list[str] = []
    for path in files:
        (changed if (project / path).exists() else written).append(path)
    try:
        for path in written:
            (project / path).parent.mkdir(parents=True, exist_ok=True)
            with (project / path).open("x", encoding="utf-8") as file:
                file.write(files[path])
        for path in changed:
            (project / path).write_text(files[path], encoding="utf-8")
    except OSError as err:
        raise ApiseedError(f"cannot write {err.filename}: {err.strerror}") from err
    return AddResult(project, name, written, changed)
