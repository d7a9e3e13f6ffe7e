"""Dockerfiles of docker Image resources, parsed with Go's own parser (the `dockerfile` package).

What the rules need is what the build would see: each stage's `FROM` image and each `EXPOSE` after
global `ARG` defaults and the resource's build args are substituted, every word read as BuildKit's shell
lexer reads it (dockerfile_words.py: quotes, the escape character). A build arg that preview does not
know yet (a parent image's digest, say) leaves the lines that use it unresolved, never guessed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import dockerfile

from review_board import dockerfile_words as words
from review_board.dockerfile_words import UnresolvedArg
from review_board.wire import UNKNOWN, is_unknown

PROJECT_ROOT: dict[str, Mapping[str, Any]] = {
    "projectRoot": {
        "type": "string",
        "default": "..",
        "description": "The Pulumi project directory relative to the pack; Dockerfile paths start there.",
    }
}


@dataclass(frozen=True)
class Line:
    """One instruction's argument after substitution, or the build arg that kept it unresolved."""

    line: int
    original: str
    value: str | None
    unresolved_arg: str | None = None
    stage: str | None = None
    source: str = ""  # which instruction pulls it: "FROM", "COPY from", "# syntax", ...


@dataclass(frozen=True)
class Dockerfile:
    path: Path | str
    froms: tuple[Line, ...]
    exposes: tuple[Line, ...]
    # Every other image the build pulls content from: `COPY --from`, `RUN --mount=from=`, the frontend.
    pulls: tuple[Line, ...] = ()
    # `ADD` sources that are URLs (HTTP, Git): content no review board has seen.
    remote_adds: tuple[Line, ...] = ()
    # Each stage's last `USER` (None where the stage sets none), in stage order.
    users: tuple[Line | None, ...] = ()
    # `--from` lines that make a stage depend on itself: BuildKit refuses the build.
    circular: tuple[Line, ...] = ()

    def stage_index(self, target: str | None) -> int | None:
        """The stage a build produces: the `target` stage by name (any case), else the last one."""
        if target is None:
            return len(self.froms) - 1 if self.froms else None
        names = [line.stage for line in self.froms]
        return names.index(target.lower()) if target.lower() in names else None

    def user_of(self, index: int) -> tuple[Line | None, Line]:
        """(the USER the stage's image runs as, the FROM it comes from): a stage without USER inherits its
        base stage's, and when the chain ends at an image, (None, that image's FROM line)."""
        while True:
            if self.users[index] is not None:
                return self.users[index], self.froms[index]
            base = self.froms[index].value
            names = [line.stage for line in self.froms[:index]]
            earlier = base.lower() if base is not None else None
            if earlier not in names:
                return None, self.froms[index]
            index = len(names) - 1 - names[::-1].index(earlier)  # the latest stage of that name before


def _resolved(command: dockerfile.Command, text: str, variables: Mapping[str, Any], escape: str) -> Line:
    """One word of an instruction as the build reads it; a word BuildKit refuses stays as written."""
    try:
        return Line(command.start_line, command.original, words.word(text, variables, escape))
    except UnresolvedArg as unresolved:
        return Line(command.start_line, command.original, None, unresolved.name)
    except words.WordError:
        return Line(command.start_line, command.original, text)


def _declare(
    arguments: dict[str, Any],
    declaration: str,
    build_args: Mapping[str, Any],
    global_args: Mapping[str, Any],
    escape: str,
) -> None:
    """`ARG NAME[=default]`: a build arg wins; inside a stage, a bare `ARG NAME` takes the global value.

    BuildKit (dispatchArg) sets the value in the stage's environment, over an earlier `ENV` of the name;
    an ARG with no value from anywhere sets nothing.

    A default is one word as BuildKit reads it (`ARG IMAGE="${REGISTRY}/base"`: unquoted, expanded with
    the variables declared before it).
    """
    name, _, default = declaration.partition("=")
    if name in build_args:
        arguments[name] = build_args[name]
    elif "=" not in declaration:
        if name in global_args or name not in arguments:
            arguments[name] = global_args.get(name)  # with no value at all, an earlier ENV's stays
    else:
        arguments[name] = _word_or_unknown(default, arguments, escape)


def _word_or_unknown(text: str, variables: Mapping[str, Any], escape: str) -> Any:
    try:
        return words.word(text, variables, escape)
    except (UnresolvedArg, words.WordError):
        return UNKNOWN


def _set_env(variables: dict[str, Any], pairs: tuple[str, ...], escape: str) -> None:
    """`ENV NAME=value ...` (the parser gives name, value, name, value): later lines see these values."""
    for name, raw in zip(pairs[::2], pairs[1::2], strict=True):
        variables[name] = _word_or_unknown(raw, variables, escape)


@lru_cache(maxsize=256)
def _commands(path: Path, _mtime_ns: int) -> tuple[tuple[dockerfile.Command, ...], str]:
    return dockerfile.parse_file(str(path)), path.read_text(errors="replace")


@lru_cache(maxsize=64)
def _inline_commands(text: str) -> tuple[dockerfile.Command, ...]:
    return dockerfile.parse_string(text)


# BuildKit's parser directives (frontend/dockerfile/parser/directives.go): `#key=value` lines at the very
# top, the key case-insensitive. The first line that is not one (blank, another comment, an unknown key, an
# instruction, leading blanks) ends them.
_DIRECTIVE = re.compile(r"^#\s*(?P<key>[A-Za-z][A-Za-z0-9]*)\s*=\s*(?P<value>.+?)\s*$")
DIRECTIVE_KEYS = ("syntax", "escape", "check")
REMOTE_LOCATION = re.compile(
    r"^[A-Za-z][A-Za-z0-9+.-]*://|^[^/@:\s]+@[^/:\s]+:"
)  # scheme://, or git's user@host:path
SYNTAX_BUILD_ARG = "BUILDKIT_SYNTAX"


def directives(text: str, *, after_shebang: bool) -> dict[str, tuple[int, str, str]]:
    """key -> (line, line as written, value) of the directives BuildKit reads.

    `after_shebang`: the frontend's syntax detection skips a first `#!` line; the parser (escape) does not.
    """
    lines = text.removeprefix("\ufeff").splitlines()
    found: dict[str, tuple[int, str, str]] = {}
    start = 1 if after_shebang and lines and lines[0].startswith("#!") else 0
    for number, raw in enumerate(lines[start:], start=start + 1):
        match = _DIRECTIVE.match(raw)
        key = match["key"].lower() if match else None
        if match is None or key not in DIRECTIVE_KEYS or key in found:
            break  # a repeated key is an error in BuildKit: the build stops, nothing more is read
        found[key] = (number, raw, match["value"])
    return found


def escape_character(text: str) -> str:
    """The `# escape=` character (backslash or backtick), backslash by default."""
    value = directives(text, after_shebang=False).get("escape", (0, "", words.DEFAULT_ESCAPE))[2]
    return value if value in ("\\", "`") else words.DEFAULT_ESCAPE


def _frontends(text: str, build_args: Mapping[str, Any]) -> list[Line]:
    """The `# syntax=` frontend image (and the BUILDKIT_SYNTAX build arg that overrides it)."""
    found = []
    syntax = directives(text, after_shebang=True).get("syntax")
    if syntax:
        number, raw, value = syntax
        found.append(Line(number, raw.strip(), value, source="# syntax"))
    if SYNTAX_BUILD_ARG in build_args:
        value = build_args[SYNTAX_BUILD_ARG]
        unresolved = SYNTAX_BUILD_ARG if is_unknown(value) else None
        found.append(
            Line(
                0,
                f"build arg {SYNTAX_BUILD_ARG}",
                None if unresolved else str(value),
                unresolved,
                None,
                source=f"build arg {SYNTAX_BUILD_ARG}",
            )
        )
    return found


def _flag_values(flags: tuple[str, ...], name: str) -> list[str]:
    """Values of `--name=value` flags, the name matched case-insensitively."""
    values = []
    for flag in flags:
        key, _, value = flag.partition("=")
        if key.lstrip("-").lower() == name:
            values.append(value)
    return values


def _mount_sources(flags: tuple[str, ...]) -> list[str]:
    """`from=` of each `RUN --mount=...` (BuildKit reads the mount's CSV fields, keys case-insensitive)."""
    sources = []
    for mount in _flag_values(flags, "mount"):
        for option in next(csv.reader([mount])):
            key, _, value = option.partition("=")
            if key.strip().lower() == "from":
                sources.append(value.strip())
    return sources


_GO_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)  # what Go's strconv.Atoi takes


def _stage_reference(text: str, stage_names: list[str | None], indexed: bool) -> int | None:
    """The stage a `--from` names, None for an image: BuildKit looks the name up (any case) among all the
    file's stages, later ones too, the last of a repeated name winning; COPY's also reads an integer as a
    stage index (`indexed`), RUN --mount's does not (dockerfile2llb detectRunMount)."""
    if indexed and _GO_INTEGER.fullmatch(text):
        return int(text) if 0 <= int(text) < len(stage_names) else None
    matches = [index for index, name in enumerate(stage_names) if name == text.lower()]
    return matches[-1] if matches else None


def _circular(edges: list[tuple[int, int, Line]]) -> list[Line]:
    """The `--from` lines whose stage depends, through FROM and --from, on the stage that copies."""
    graph: dict[int, set[int]] = {}
    for source, target, _line in edges:
        graph.setdefault(source, set()).add(target)

    def reaches(start: int, goal: int) -> bool:
        seen, todo = set(), [start]
        while todo:
            stage = todo.pop()
            if stage == goal:
                return True
            if stage not in seen:
                seen.add(stage)
                todo.extend(graph.get(stage, ()))
        return False

    return [line for source, target, line in edges if line.source != "FROM" and reaches(target, source)]


def parse(
    path: Path, build_args: Mapping[str, Any], platform_args: Mapping[str, Any] | None = None
) -> Dockerfile:
    """Raises OSError when the file cannot be read, ValueError when Go's parser rejects it."""
    try:
        commands, text = _commands(path, path.stat().st_mtime_ns)
        return _read(path, commands, text, build_args, platform_args or {})  # ONBUILD triggers on their own
    except dockerfile.GoIOError as error:
        raise OSError(str(error)) from error
    except dockerfile.GoParseError as error:
        raise ValueError(str(error)) from error


def parse_inline(
    text: str, build_args: Mapping[str, Any], platform_args: Mapping[str, Any] | None = None
) -> Dockerfile:
    """An inline Dockerfile (docker-build's dockerfile.inline); ValueError when Go's parser rejects it."""
    try:
        return _read("dockerfile.inline", _inline_commands(text), text, build_args, platform_args or {})
    except dockerfile.GoParseError as error:
        raise ValueError(str(error)) from error


def _instructions(commands: tuple[dockerfile.Command, ...]) -> list[tuple[str, dockerfile.Command, bool]]:
    """(upper-case instruction, command, is an ONBUILD trigger): Docker reads instructions in any case."""
    found = []
    for command in commands:
        found.append((command.cmd.upper(), command, False))
        if command.cmd.upper() == "ONBUILD" and command.sub_cmd:
            # The parser keeps no flags of the inner instruction; parse it on its own to see them.
            inner = command.original.split(None, 1)[1]
            for trigger in dockerfile.parse_string(inner):
                if trigger.cmd.upper() not in ("FROM", "ONBUILD", "MAINTAINER"):  # Docker rejects these
                    found.append((trigger.cmd.upper(), _at_onbuild_line(trigger, command), True))
    return found


def _at_onbuild_line(trigger: dockerfile.Command, onbuild: dockerfile.Command) -> dockerfile.Command:
    return trigger._replace(start_line=onbuild.start_line, original=onbuild.original)


def _stage_name(command: dockerfile.Command) -> str | None:
    return command.value[2].lower() if len(command.value) == 3 else None


def _exposed(command: dockerfile.Command, variables: Mapping[str, Any], escape: str) -> list[Line]:
    """EXPOSE's ports: each word may become several (`ENV PORTS="80 22"`, `EXPOSE $PORTS`)."""
    found = []
    for port in command.value:
        try:
            found += [
                Line(command.start_line, command.original, p) for p in words.words(port, variables, escape)
            ]
        except UnresolvedArg as unresolved:
            found.append(Line(command.start_line, command.original, None, unresolved.name))
        except words.WordError:
            found.append(Line(command.start_line, command.original, port))
    return found


def _read(
    path: Path | str,
    commands: tuple[dockerfile.Command, ...],
    text: str,
    build_args: Mapping[str, Any],
    platform_args: Mapping[str, Any],
) -> Dockerfile:
    # Docker's scoping: ARGs before the first FROM serve the FROM lines only; a stage sees its own ARGs
    # (re-declared globals included) and ENVs, never an undeclared global.
    escape = escape_character(text)
    global_args: dict[str, Any] = dict(platform_args)  # BuildKit's automatic platform ARGs
    stage_vars: dict[str, Any] = {}
    froms: list[Line] = []
    exposes: list[Line] = []
    pulls: list[Line] = _frontends(text, build_args)
    remote_adds: list[Line] = []
    users: list[Line | None] = []
    scopes: list[dict[str, Any]] = []  # each stage's variables, as the stage goes on
    stage_commands = [command for command in commands if command.cmd.upper() == "FROM"]
    stage_names = [_stage_name(command) for command in stage_commands]
    edges: list[tuple[int, int, Line]] = []  # (stage, the stage it builds on or copies from, line)
    for instruction, command, trigger in _instructions(commands):
        if instruction == "ARG":
            for declaration in command.value:
                scope = stage_vars if froms else global_args
                _declare(scope, declaration, build_args, global_args, escape)
        elif instruction == "ENV" and froms:
            _set_env(stage_vars, command.value, escape)
        elif instruction == "FROM":
            line = _resolved(command, command.value[0], global_args, escape)
            # A stage FROM an earlier stage starts from that stage's environment (its ARGs and ENVs).
            earlier = {f.stage: variables for f, variables in zip(froms, scopes, strict=True) if f.stage}
            base = line.value.lower() if line.value is not None else None
            stage_vars = dict(earlier[base]) if base in earlier else {}
            if base in earlier:
                builds_on = max(index for index, f in enumerate(froms) if f.stage == base)
                edges.append((len(froms), builds_on, replace(line, source="FROM")))
            froms.append(replace(line, stage=_stage_name(command), source="FROM"))
            scopes.append(stage_vars)
            users.append(None)
        elif instruction == "USER" and froms and not trigger and command.value:
            users[-1] = replace(_resolved(command, command.value[0], stage_vars, escape), source="USER")
        elif instruction == "EXPOSE":
            exposes.extend(_exposed(command, stage_vars, escape))
        elif instruction in ("COPY", "ADD", "RUN"):
            sources = _flag_values(command.flags, "from") if instruction != "RUN" else []
            sources += _mount_sources(command.flags) if instruction == "RUN" else []
            for source in sources:
                line = replace(_resolved(command, source, stage_vars, escape), source=f"{instruction} from")
                # A trigger runs in a child build, whose stages this file cannot know: an image, then.
                stage = None
                if line.value is not None and not trigger:
                    stage = _stage_reference(line.value, stage_names, indexed=instruction != "RUN")
                if stage is None:
                    pulls.append(line)
                elif froms:
                    edges.append((len(froms) - 1, stage, line))
            if instruction == "ADD":
                for source in command.value[:-1]:
                    line = _resolved(command, source, stage_vars, escape)
                    if line.value is None or REMOTE_LOCATION.match(line.value):
                        remote_adds.append(replace(line, source="ADD"))
    return Dockerfile(
        path,
        tuple(froms),
        tuple(exposes),
        tuple(pulls),
        tuple(remote_adds),
        tuple(users),
        tuple(_circular(edges)),
    )


@dataclass(frozen=True)
class Build:
    """What a build resource builds from, whatever its provider calls the inputs; UNKNOWN where unknown."""

    context: Any
    dockerfile: Any  # a path relative to the project, or UNKNOWN
    inline: Any = None  # the Dockerfile's text when given inline
    args: Mapping[str, Any] = field(default_factory=dict)
    extra_contexts: tuple[tuple[str, Any], ...] = ()  # (name, location): docker-image://, URLs, paths
    target: Any = None  # the stage built (None: the last one)
    platform: Any = None  # the one target platform ("linux/amd64"), None when the build names none
    # Named build contexts: BuildKit uses one instead of the image or stage of the same name.
    named: tuple[str, ...] = ()


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _default_dockerfile(context: Any, name: str = "Dockerfile") -> Any:
    return UNKNOWN if is_unknown(context) else f"{context}/{name}"


def _docker_image(props: Mapping[str, Any]) -> Build | None:
    build = props.get("build")
    if is_unknown(build):
        return Build(UNKNOWN, UNKNOWN)
    build = _mapping(build)
    context = build.get("context", ".")
    dockerfile_path = build.get("dockerfile")
    return Build(
        context,
        _default_dockerfile(context) if dockerfile_path is None else dockerfile_path,
        args=_mapping(build.get("args")),
        target=build.get("target"),
        platform=build.get("platform"),
    )


def _docker_build_image(props: Mapping[str, Any]) -> Build | None:
    context, dockerfile_inputs = props.get("context"), props.get("dockerfile")
    if is_unknown(context) or is_unknown(dockerfile_inputs):
        return Build(UNKNOWN, UNKNOWN)
    context, dockerfile_inputs = _mapping(context), _mapping(dockerfile_inputs)
    location = context.get("location", ".")
    named = context.get("named")
    extra = (
        (("named contexts", UNKNOWN),)
        if is_unknown(named)
        else tuple(
            (name, UNKNOWN if is_unknown(n) else _mapping(n).get("location"))
            for name, n in _mapping(named).items()
        )
    )
    inline = dockerfile_inputs.get("inline")
    path = dockerfile_inputs.get("location")
    return Build(
        location,
        _default_dockerfile(location) if path is None else path,
        inline=inline,
        args=_mapping(props.get("buildArgs")),
        extra_contexts=(("context", location), *extra),
        target=props.get("target"),
        named=() if is_unknown(named) else tuple(_mapping(named)),
        platform=_single(props.get("platforms")),
    )


def _single(platforms: Any) -> Any:
    """docker-build's `platforms`: the one platform of a single-platform build, else None."""
    if is_unknown(platforms):
        return UNKNOWN
    return platforms[0] if isinstance(platforms, list) and len(platforms) == 1 else None


def _remote_image(props: Mapping[str, Any]) -> Build | None:
    build = props.get("build")
    if is_unknown(build):
        return Build(UNKNOWN, UNKNOWN)
    if not build:
        return None  # a pull, not a build: approved-base-images judges the image itself
    build = _mapping(build)
    context = build.get("context", ".")
    name = build.get("dockerfile", "Dockerfile")  # relative to the context, as the provider reads it
    additional = build.get("additionalContexts") or []
    extra = tuple(
        ("additionalContexts", UNKNOWN) if is_unknown(entry) else tuple(str(entry).partition("=")[::2])
        for entry in (additional if isinstance(additional, list) else [UNKNOWN])
    )
    remote = build.get("remoteContext")
    return Build(
        context,
        UNKNOWN if is_unknown(name) else _default_dockerfile(context, str(name)),
        args=_mapping(build.get("buildArgs")),
        extra_contexts=(*extra, *((("remoteContext", remote),) if remote else ())),
        target=build.get("target"),
        named=tuple(name for name, _location in extra if not is_unknown(_location)),
        platform=build.get("platform"),
    )


IMAGE = "docker:index/image:Image"
DOCKER_BUILD_IMAGE = "docker-build:index:Image"
REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage"
TAG = "docker:index/tag:Tag"
BUILD_READERS = {IMAGE: _docker_image, DOCKER_BUILD_IMAGE: _docker_build_image, REMOTE_IMAGE: _remote_image}


def build_settings(resource_type: str, props: Mapping[str, Any]) -> Build | None:
    """The build of a build resource (BUILD_READERS), or None when it builds nothing."""
    return BUILD_READERS[resource_type](props)


def locate(dockerfile_path: str, project_root: str) -> Path:
    """Dockerfile paths are relative to the Pulumi project; the analyzer runs in the pack directory."""
    path = Path(dockerfile_path)
    return path if path.is_absolute() else Path(project_root) / path


def platform_args(platform: Any) -> dict[str, Any]:
    """BuildKit's automatic TARGET* ARGs for the build's one target platform (`os/arch[/variant]`); none
    when the build names no single platform (a FROM that uses them then reads them empty, as the pack
    cannot know the builder's platform)."""
    if platform is None:
        return {}
    if is_unknown(platform):
        return dict.fromkeys(("TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT"), UNKNOWN)
    os_name, _, rest = str(platform).partition("/")
    arch, _, variant = rest.partition("/")
    return {
        "TARGETPLATFORM": str(platform),
        "TARGETOS": os_name,
        "TARGETARCH": arch,
        "TARGETVARIANT": variant,
    }


def read_dockerfile(build: Build, project_root: str) -> Dockerfile:
    """The build's Dockerfile, inline or from disk; OSError / ValueError as parse() raises them."""
    automatic = platform_args(build.platform)
    if isinstance(build.inline, str):
        return parse_inline(build.inline, build.args, automatic)
    return parse(locate(str(build.dockerfile), project_root), build.args, automatic)
