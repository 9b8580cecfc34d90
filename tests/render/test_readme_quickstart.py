"""The generated README's two quickstart commands work as written, with uv, on a fresh project."""

import os
import re
import shlex
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.cases import CASES, Case
from tests.harness import UV, clean_environment, free_port, recorded_answers, render, run, stop

pytestmark = pytest.mark.slow

# One case per framework, with default answers: what a newcomer gets.
DEFAULT_CASES = [case for case in CASES if case.id.endswith("-defaults")]


def quickstart_commands(readme: str) -> list[str]:
    """The commands of the first code block under '## Quickstart', comments stripped."""
    section = readme.split("## Quickstart", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the Quickstart section has a bash block"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id, marks=pytest.mark.xdist_group(c.id)) for c in DEFAULT_CASES]
)
def test_the_two_readme_commands_run_the_service_and_its_tests(case: Case, tmp_path: Path) -> None:
    project = render(tmp_path / "project", case.answers)
    package = recorded_answers(project)["package_name"]
    serve_command, test_command = quickstart_commands((project / "README.md").read_text())
    assert serve_command == f"uv run python -m {package}"
    assert test_command == "uv run pytest"
    env = clean_environment({"PATH": f"{Path(UV).parent}{os.pathsep}{os.environ['PATH']}"})

    output = run(shlex.split(test_command), project, env)
    assert " passed" in output

    port = free_port()
    env[f"{package.upper()}_PORT"] = str(port)
    process = subprocess.Popen(
        shlex.split(serve_command),
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"the service exited with {process.returncode}"
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the service did not answer within 60 s"
                time.sleep(0.2)
        assert response.json() == {"status": "ok"}
    finally:
        stop(process)
