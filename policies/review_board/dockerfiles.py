"""Dockerfiles of docker Image resources, parsed with Go's own parser (the `dockerfile` package).

What the rules need is what the build would see: each stage's `FROM` image and each `EXPOSE` after
global `ARG` defaults and the resource's build args are substituted. A build arg that preview does not
know yet (a parent image's digest, say) leaves the lines that use it unresolved, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import dockerfile

from review_board.wire import UNKNOWN, is_unknown

IMAGE = "docker:index/image:Image"
_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-+])?(?P<word>[^}]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)

PROJECT_ROOT: dict[str, Mapping[str, Any]] = {
    "projectRoot": {
        "type": "string",
        "default": "..",
        "description": "The Pulumi project directory relative to the pack; Dockerfile paths start there.",
    }
}


class UnresolvedArg(Exception):
    """A line uses a build arg whose value is not known yet."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class Line:
    """One instruction's argument after substitution, or the build arg that kept it unresolved."""

    line: int
    original: str
    value: str | None
    unresolved_arg: str | None = None
    stage: str | None = None


@dataclass(frozen=True)
class Dockerfile:
    path: Path
    froms: tuple[Line, ...]
    exposes: tuple[Line, ...]


def substitute(text: str, variables: Mapping[str, Any]) -> str:
    """Docker's `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR:+alternative}` substitution."""

    def replace(match: re.Match[str]) -> str:
        name = match["braced"] or match["bare"]
        value = variables.get(name)
        if is_unknown(value):
            raise UnresolvedArg(name)
        op, word = match["op"], match["word"] or ""
        if op in (":-", "-"):
            missing = value is None or (op == ":-" and value == "")
            return substitute(word, variables) if missing else str(value)
        if op in (":+", "+"):
            present = value is not None and (op == "+" or value != "")
            return substitute(word, variables) if present else ""
        return "" if value is None else str(value)

    return _VARIABLE.sub(replace, text)


def _resolved(command: dockerfile.Command, text: str, variables: Mapping[str, Any]) -> Line:
    try:
        return Line(command.start_line, command.original, substitute(text, variables))
    except UnresolvedArg as unresolved:
        return Line(command.start_line, command.original, None, unresolved.name)


def _declare(
    arguments: dict[str, Any],
    declaration: str,
    build_args: Mapping[str, Any],
    global_args: Mapping[str, Any],
) -> None:
    """`ARG NAME[=default]`: a build arg wins; inside a stage, a bare `ARG NAME` takes the global value.

    A default may use the variables declared before it (`ARG IMAGE=${REGISTRY}/base`), as Docker expands it.
    """
    name, _, default = declaration.partition("=")
    if name in build_args:
        arguments[name] = build_args[name]
    elif "=" not in declaration:
        arguments[name] = global_args.get(name)
    else:
        try:
            arguments[name] = substitute(default, arguments)
        except UnresolvedArg:
            arguments[name] = UNKNOWN


def _set_env(variables: dict[str, Any], pairs: tuple[str, ...]) -> None:
    """`ENV NAME=value ...` (the parser gives name, value, name, value): later lines see these values."""
    for name, raw in zip(pairs[::2], pairs[1::2], strict=True):
        quoted = len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\""
        try:
            variables[name] = substitute(raw[1:-1] if quoted else raw, variables)
        except UnresolvedArg:
            variables[name] = UNKNOWN


@lru_cache(maxsize=256)
def _commands(path: Path, _mtime_ns: int) -> tuple[dockerfile.Command, ...]:
    return dockerfile.parse_file(str(path))


def parse(path: Path, build_args: Mapping[str, Any]) -> Dockerfile:
    """Raises OSError when the file cannot be read, ValueError when Go's parser rejects it."""
    try:
        commands = _commands(path, path.stat().st_mtime_ns)
    except dockerfile.GoIOError as error:
        raise OSError(str(error)) from error
    except dockerfile.GoParseError as error:
        raise ValueError(str(error)) from error
    # Docker's scoping: ARGs before the first FROM serve the FROM lines only; a stage sees its own ARGs
    # (re-declared globals included) and ENVs, never an undeclared global.
    global_args: dict[str, Any] = {}
    stage_vars: dict[str, Any] = {}
    froms: list[Line] = []
    exposes: list[Line] = []
    for command in commands:
        if command.cmd == "ARG":
            for declaration in command.value:
                _declare(stage_vars if froms else global_args, declaration, build_args, global_args)
        elif command.cmd == "ENV" and froms:
            _set_env(stage_vars, command.value)
        elif command.cmd == "FROM":
            stage = command.value[2].lower() if len(command.value) == 3 else None
            froms.append(replace(_resolved(command, command.value[0], global_args), stage=stage))
            stage_vars = {}
        elif command.cmd == "EXPOSE":
            exposes.extend(_resolved(command, port, stage_vars) for port in command.value)
    return Dockerfile(path, tuple(froms), tuple(exposes))


def build_settings(props: Mapping[str, Any]) -> tuple[Any, Any, Mapping[str, Any]]:
    """(context, dockerfile path, build args) of a docker Image's inputs; UNKNOWN where preview lacks them."""
    build = props.get("build")
    if is_unknown(build):
        return UNKNOWN, UNKNOWN, {}
    build = build or {}
    context = build.get("context", ".")
    dockerfile_path = build.get("dockerfile")
    if dockerfile_path is None:
        dockerfile_path = UNKNOWN if is_unknown(context) else f"{context}/Dockerfile"
    args = build.get("args") or {}
    return context, dockerfile_path, args if isinstance(args, Mapping) else {}


def locate(dockerfile_path: str, project_root: str) -> Path:
    """Dockerfile paths are relative to the Pulumi project; the analyzer runs in the pack directory."""
    path = Path(dockerfile_path)
    return path if path.is_absolute() else Path(project_root) / path
