"""The commands a project runs in production: Dockerfile, compose, Kubernetes and Procfile."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from .project import Project

_SHELLS = frozenset({"sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/env"})
_SEPARATORS = frozenset({"&&", "||", ";", "|"})
_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass(frozen=True)
class Command:
    """One program invocation, with where it was written down."""

    argv: tuple[str, ...]
    relpath: str
    line: int | None
    source: str  # "dockerfile", "compose", "kubernetes" or "procfile"

    @property
    def program(self) -> str:
        """The program's base name (`gunicorn`, `uvicorn`, ...)."""
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""


def _split_shell(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=True)
    except ValueError:
        return text.split()


def _segments(argv: list[str]) -> Iterator[tuple[str, ...]]:
    """Simple commands in an argv: unwrap `sh -c`, split on `&&`, drop `exec`, env and runners."""
    if argv and argv[0] in _SHELLS and "-c" in argv:
        index = argv.index("-c")
        if index + 1 < len(argv):
            argv = _split_shell(argv[index + 1])
    current: list[str] = []
    for token in [*argv, "&&"]:
        if token in _SEPARATORS:
            while current and (current[0] == "exec" or _ENV_ASSIGNMENT.match(current[0])):
                current.pop(0)
            # `uv run X`, `python -m X`: the program is X.
            if current[:2] == ["uv", "run"]:
                current = current[2:]
            if len(current) > 2 and current[0].startswith("python") and current[1] == "-m":
                current = current[2:]
            if current:
                yield tuple(current)
            current = []
        else:
            current.append(token)


def _dockerfile_commands(project: Project) -> Iterator[Command]:
    for path in project.files("*"):
        if not (path.name in ("Dockerfile", "Containerfile") or path.suffix == ".Dockerfile"):
            continue
        relpath = project.relpath(path)
        text = project.read(relpath) or ""
        # Join continuation lines, remembering where each instruction started.
        instructions: list[tuple[int, str]] = []
        pending, start = "", 0
        for number, raw in enumerate(text.splitlines(), start=1):
            stripped = raw.strip()
            if not pending and (not stripped or stripped.startswith("#")):
                continue
            start = start or number
            pending += " " + stripped.removesuffix("\\")
            if not stripped.endswith("\\"):
                instructions.append((start, pending.strip()))
                pending, start = "", 0
        # Only the final stage's CMD/ENTRYPOINT is what the image runs.
        last_from = max(
            (i for i, (_, line) in enumerate(instructions) if line.upper().startswith("FROM ")),
            default=-1,
        )
        for number, line in instructions[last_from + 1 :]:
            keyword, _, rest = line.partition(" ")
            if keyword.upper() not in ("CMD", "ENTRYPOINT"):
                continue
            try:
                parsed = json.loads(rest)
                argv = [str(item) for item in parsed] if isinstance(parsed, list) else None
            except json.JSONDecodeError:
                argv = None
            for segment in _segments(argv if argv is not None else _split_shell(rest)):
                yield Command(segment, relpath, number, "dockerfile")


def _scalar_list(node: yaml.Node) -> list[str] | None:
    if isinstance(node, yaml.ScalarNode):
        return _split_shell(str(node.value))
    if isinstance(node, yaml.SequenceNode):
        return [str(item.value) for item in node.value if isinstance(item, yaml.ScalarNode)]
    return None


def _yaml_commands(node: yaml.Node) -> Iterator[tuple[int, list[str]]]:
    """(line, argv) for every mapping with entrypoint/command/args keys, at any depth."""
    if isinstance(node, yaml.MappingNode):
        parts: dict[str, tuple[int, list[str]]] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value in ("entrypoint", "command", "args"):
                argv = _scalar_list(value)
                if argv is not None:
                    parts[str(key.value)] = (key.start_mark.line + 1, argv)
            else:
                yield from _yaml_commands(value)
        if parts:
            line = min(number for number, _ in parts.values())
            argv = [
                token
                for key in ("entrypoint", "command", "args")
                for token in parts.get(key, (0, []))[1]
            ]
            yield line, argv
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _yaml_commands(item)


def _manifest_commands(project: Project) -> Iterator[Command]:
    for pattern in ("*.yaml", "*.yml"):
        for path in project.files(pattern):
            relpath = project.relpath(path)
            is_compose = "compose" in path.name
            if not is_compose and not relpath.startswith(("deploy/", "k8s/", "kubernetes/")):
                continue
            try:
                documents = list(yaml.compose_all(project.read(relpath) or ""))
            except yaml.YAMLError:
                continue
            for document in documents:
                if document is None:
                    continue
                for line, argv in _yaml_commands(document):
                    for segment in _segments(argv):
                        source = "compose" if is_compose else "kubernetes"
                        yield Command(segment, relpath, line, source)


def _procfile_commands(project: Project) -> Iterator[Command]:
    text = project.read("Procfile")
    for number, line in enumerate((text or "").splitlines(), start=1):
        _, colon, command = line.partition(":")
        if colon and command.strip():
            for segment in _segments(_split_shell(command)):
                yield Command(segment, "Procfile", number, "procfile")


def deploy_commands(project: Project) -> list[Command]:
    """Every production command doctor can find, as simple argv segments."""
    return [
        *_dockerfile_commands(project),
        *_manifest_commands(project),
        *_procfile_commands(project),
    ]
