"""Run the unmodified Pulumi program for a stack with no CLI, no plugins and no cloud, and record it.

The program runs under the Pulumi SDK's mock monitor, extended to record what the engine itself would
receive for every resource: the wire-form inputs (unknown sentinels, secret envelopes), parent,
dependencies, property dependencies and provider reference, keyed by URNs formed the engine's way.
Those recordings are what the policy pack is then shown, exactly as `pulumi preview` would show it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import heapq
import os
import runpy
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks as sdk_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import provider_pb2, resource_pb2
from pulumi.runtime.stack import run_in_stack

from container_platform.project import PROJECT_ROOT
from container_platform.review.mock_cloud import CloudIdentity, identity_from_config, stable_hex
from container_platform.review.mock_invokes import ProviderFailure, UnknownInvokeError, answer_invoke
from container_platform.review.mock_outputs import computed_outputs
from container_platform.review.output_waiting import settled_in_waves
from container_platform.review.urns import (
    ROOT_STACK_TYPE,
    default_provider_name,
    is_provider_type,
    make_urn,
    package_of,
)
from container_platform.stack_config import (
    StackConfig,
    StackConfigError,
    config_from_mapping,
    project_name,
    read_stack_config,
)

UNKNOWN: str = rpc.UNKNOWN
SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


class ProgramError(Exception):
    """The program (or its configuration) failed; str() is the program's own message."""


@dataclass(frozen=True)
class RecordedResource:
    """One resource as the engine sees it when the program registers it."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    provider: str | None
    inputs: dict[str, Any]  # wire form: unknowns are UNKNOWN, secrets wrapped, numbers floats
    outputs: dict[str, Any]  # the state after the step, in the same wire form (AnalyzeStack's view)
    dependencies: tuple[str, ...]  # sorted: the SDK gathers them in sets, so its order varies run to run
    property_dependencies: dict[str, tuple[str, ...]]
    external: bool = False  # read with `get`/StackReference: the engine reads it and never analyzes it


@dataclass
class StackRecording:
    """Everything one evaluation of the program registered, in a deterministic engine-like order."""

    project: str
    stack: str
    preview: bool
    resources: list[RecordedResource]
    outputs: dict[str, Any]
    cloud: CloudIdentity | None = None  # the account and region the mocks answered with
    config: dict[str, str] = field(default_factory=dict)  # `ns:key` -> the string the program read

    def of_type(self, type_token: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_token]

    def by_urn(self) -> dict[str, RecordedResource]:
        return {r.urn: r for r in self.resources}

    def named(self, type_token: str, name: str) -> RecordedResource:
        for resource in self.of_type(type_token):
            if resource.name == name:
                return resource
        names = ", ".join(sorted(r.name for r in self.of_type(type_token))) or "none"
        raise KeyError(f"no {type_token} named {name!r} in stack {self.stack!r}; {type_token} names: {names}")


def plain(value: Any) -> Any:
    """The value with every secret envelope unwrapped, recursively (for assertions and reports)."""
    if isinstance(value, dict):
        if value.get(SECRET_SIGNATURE_KEY) == SECRET_SIGNATURE:
            return plain(value.get("value"))
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def wire(struct: Any) -> dict[str, Any]:
    """A protobuf Struct as the JSON-able mapping the engine forwards to analyzers (numbers are floats)."""
    return json_format.MessageToDict(struct)


class _InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs the SDK's monitor calls at once, on the event loop's thread.

    Against a real engine each call waits on gRPC, so the SDK hands it to a thread pool. The mock monitor
    answers in microseconds; in threads, the SDK's wait loop wakes once per completion and, with hundreds
    of outputs pending, re-arms a callback on each of them every time (quadratic in the stack's size).
    asyncio only accepts a ThreadPoolExecutor as the default executor; this one never starts a thread.
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # delivered to the awaiting coroutine, as a thread pool would
            future.set_exception(error)
        return future


class _OfflineCloud(sdk_mocks.Mocks):
    """What the cloud answers: invokes from `mock_invokes`, outputs from `mock_outputs`, stack references."""

    def __init__(
        self, cloud: CloudIdentity, preview: bool, stack_references: Mapping[str, Mapping[str, Any]]
    ) -> None:
        self.cloud = cloud
        self.preview = preview
        self.stack_references = stack_references
        self.failures: list[str] = []

    def call(self, args: sdk_mocks.MockCallArgs) -> dict[str, Any]:
        try:
            return answer_invoke(self.cloud, args.token, args.args)
        except UnknownInvokeError as error:
            # Raising here would surface as an asyncio traceback; answer empty and fail the run afterwards.
            self.failures.append(str(error))
            return {}

    def new_resource(self, args: sdk_mocks.MockResourceArgs) -> tuple[str, dict]:
        """The id and state after the step: inputs only in a preview, plus computed outputs in an update.

        `args.inputs` is the wire form, so secret envelopes and unknowns carry into the state.
        """
        type_token, name, inputs = args.typ, args.name, args.inputs
        if type_token == STACK_REFERENCE_TYPE:
            return name, self._stack_reference(str(inputs.get("name") or args.resource_id))
        if is_provider_type(type_token):
            return stable_uuid(type_token, name), inputs
        if not args.custom or self.preview:
            # A first preview knows only the inputs; every computed output (and the id) stays unknown.
            return "", inputs
        outputs = computed_outputs(self.cloud, type_token, name, plain(inputs))
        return str(outputs["id"]), {**outputs, **inputs}

    def _stack_reference(self, name: str) -> dict[str, Any]:
        if name not in self.stack_references:
            known = ", ".join(sorted(self.stack_references)) or "none"
            self.failures.append(
                f"StackReference {name!r} has no outputs offline; pass "
                f"stack_references={{{name!r}: {{...}}}} "
                f"(given: {known})"
            )
        outputs = dict(self.stack_references.get(name, {}))
        return {"name": name, "outputs": outputs, "secretOutputNames": []}


def stable_uuid(*parts: object) -> str:
    h = stable_hex(*parts, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(dict(value))
    return message


class _RecordingMonitor(sdk_mocks.MockMonitor):
    """The SDK's mock monitor, answering from wire form and recording every request as the engine gets it.

    The resource and invoke calls never re-enter the event loop (the SDK's MockMonitor does, to
    re-serialize values), so the SDK can run them inline instead of in a thread pool.
    """

    mocks: _OfflineCloud

    def __init__(
        self,
        cloud: _OfflineCloud,
        project: str,
        stack: str,
        config: StackConfig,
        on_register: Callable[[RecordedResource], None] | None,
    ) -> None:
        super().__init__(cloud)
        self.project = project
        self.stack = stack
        self.config = config
        self.on_register = on_register
        self.recorded: dict[str, RecordedResource] = {}
        self.component_outputs: dict[str, dict[str, Any]] = {}

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return make_urn(self.stack, self.project, parent or None, type_, name)

    def Invoke(self, request: Any) -> Any:
        args = plain(wire(request.args))
        if request.tok == "pulumi:pulumi:getResource":
            resource = self.recorded[args["urn"]]
            answer = {"urn": resource.urn, "id": resource.outputs.get("id", ""), "state": resource.outputs}
        else:
            try:
                answer = self.mocks.call(sdk_mocks.MockCallArgs(request.tok, args, request.provider))
            except ProviderFailure as failure:
                # As the engine reports a failed data source: the program's invoke raises with this reason.
                return resource_pb2.ResourceInvokeResponse(
                    failures=[provider_pb2.CheckFailure(property="", reason=str(failure))]
                )
        return resource_pb2.ResourceInvokeResponse(**{"return": struct(answer)})

    def ReadResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        inputs = wire(request.properties)
        _, state = self.mocks.new_resource(
            sdk_mocks.MockResourceArgs(request.type, request.name, inputs, request.provider, request.id, True)
        )
        self._record(
            RecordedResource(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=True,
                provider=request.provider or None,
                inputs=inputs,
                outputs=state,
                dependencies=tuple(sorted(request.dependencies)),
                property_dependencies={},
                external=True,
            )
        )
        return resource_pb2.ReadResourceResponse(urn=urn, properties=struct(state))

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if urn in self.recorded:
            # The engine refuses a second registration of one URN; dropping it would hide a resource.
            message = f"Duplicate resource URN '{urn}'; try giving it a unique name"
            self.mocks.failures.append(message)
            raise ProgramError(message)
        provider = request.provider or None
        if request.custom and not provider and not is_provider_type(request.type):
            provider = self._default_provider(package_of(request.type), request.version)
        inputs = wire(request.object)
        if request.type == ROOT_STACK_TYPE:
            resource_id, state = "", {}
        else:
            resource_id, state = self.mocks.new_resource(
                sdk_mocks.MockResourceArgs(
                    request.type,
                    request.name,
                    inputs,
                    request.provider,
                    request.importId,
                    bool(request.custom),
                )
            )
        self._record(
            RecordedResource(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=bool(request.custom),
                provider=provider,
                inputs=inputs,
                outputs=state,
                dependencies=tuple(sorted(request.dependencies)),
                property_dependencies={
                    k: tuple(sorted(v.urns)) for k, v in sorted(request.propertyDependencies.items())
                },
            )
        )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=struct(state))

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.component_outputs[request.urn] = wire(request.outputs)
        return super().RegisterResourceOutputs(request)

    def _default_provider(self, package: str, version: str) -> str:
        """Register the package's default provider once, as the engine does, and return its reference."""
        type_token = f"pulumi:providers:{package}"
        name = default_provider_name(version)
        urn = make_urn(self.stack, self.project, None, type_token, name)
        provider_id = stable_uuid(type_token, name)
        inputs = {
            key.split(":", 1)[1]: value
            for key, value in sorted(self.config.values.items())
            if key.startswith(f"{package}:")
        }
        if version:
            inputs["version"] = version
        self._record(
            RecordedResource(
                urn=urn,
                type=type_token,
                name=name,
                parent=None,
                custom=True,
                provider=None,
                inputs=inputs,
                outputs=dict(inputs),
                dependencies=(),
                property_dependencies={},
            )
        )
        return f"{urn}::{provider_id}"

    def _record(self, resource: RecordedResource) -> None:
        if resource.urn in self.recorded:
            return
        self.recorded[resource.urn] = resource
        if self.on_register is not None:
            self.on_register(resource)

    def ordered(self) -> list[RecordedResource]:
        """Parents, providers and dependencies before dependents; ties broken by URN, so every run agrees."""
        resources = {urn: self._with_outputs(r) for urn, r in self.recorded.items()}
        prerequisites = {
            urn: {d for d in _prerequisites(r) if d in resources and d != urn} for urn, r in resources.items()
        }
        dependents: dict[str, list[str]] = {urn: [] for urn in resources}
        for urn, before in prerequisites.items():
            for prerequisite in before:
                dependents[prerequisite].append(urn)

        def key(urn: str) -> tuple[bool, str]:
            return resources[urn].type != ROOT_STACK_TYPE, urn

        ready = [key(urn) for urn, before in prerequisites.items() if not before]
        heapq.heapify(ready)
        ordered: list[RecordedResource] = []
        while ready:
            _, urn = heapq.heappop(ready)
            ordered.append(resources[urn])
            for dependent in dependents[urn]:
                prerequisites[dependent].discard(urn)
                if not prerequisites[dependent]:
                    heapq.heappush(ready, key(dependent))
        return ordered

    def _with_outputs(self, resource: RecordedResource) -> RecordedResource:
        registered = self.component_outputs.get(resource.urn)
        if registered is None or resource.custom:
            return resource
        return RecordedResource(**{**resource.__dict__, "outputs": registered})


def _prerequisites(resource: RecordedResource) -> set[str]:
    before = set(resource.dependencies)
    if resource.parent:
        before.add(resource.parent)
    if resource.provider:
        before.add(resource.provider.rsplit("::", 1)[0])
    for urns in resource.property_dependencies.values():
        before.update(urns)
    return before


def evaluate_stack(
    stack: str,
    *,
    project_dir: Path = PROJECT_ROOT,
    preview: bool = False,
    config: Mapping[str, Any] | None = None,
    stack_references: Mapping[str, Mapping[str, Any]] | None = None,
    on_register: Callable[[RecordedResource], None] | None = None,
) -> StackRecording:
    """Run `<project_dir>/__main__.py` for `stack` under the mocks and return what it registered.

    `config` replaces the stack file's `config:` section (same shape). `on_register` sees each resource
    the moment the program registers it, as the engine's analyzers do (its component outputs come later).
    Raises ProgramError when the program, its config or its stack file is wrong.
    """
    project_dir = Path(project_dir).resolve()
    try:
        project = project_name(project_dir)
        stack_config = (
            config_from_mapping(config, project)
            if config is not None
            else read_stack_config(project_dir, stack, project)
        )
    except StackConfigError as error:
        raise ProgramError(str(error)) from error
    program = project_dir / "__main__.py"
    if not program.is_file():
        raise ProgramError(f"no __main__.py in {project_dir}: the Pulumi program to review is missing")

    cloud = identity_from_config(stack_config)
    mocks = _OfflineCloud(cloud, preview, stack_references or {})
    monitor = _RecordingMonitor(mocks, project, stack, stack_config, on_register)
    _configure_runtime(monitor, project, stack, preview, project_dir, stack_config)
    try:
        with _program_environment(project_dir), settled_in_waves(), asyncio.Runner() as runner:
            runner.get_loop().set_default_executor(_InlineExecutor())
            runner.get_loop().set_exception_handler(_report_all_but_unretrieved_failures)
            runner.run(run_in_stack(lambda: runpy.run_path(str(program), run_name="__main__")))
    except Exception as error:
        message = mocks.failures[0] if mocks.failures else str(error) or type(error).__name__
        raise ProgramError(message) from error
    finally:
        _configure_runtime(None, project, stack, False, project_dir, StackConfig({}))
    if mocks.failures:
        raise ProgramError(mocks.failures[0])

    resources = monitor.ordered()
    root = next((r for r in resources if r.type == ROOT_STACK_TYPE), None)
    outputs = plain(root.outputs) if root is not None else {}
    return StackRecording(
        project=project,
        stack=stack,
        preview=preview,
        resources=resources,
        outputs=dict(outputs),
        cloud=cloud,
        config=dict(stack_config.values),
    )


def _report_all_but_unretrieved_failures(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A failed program leaves every output that depended on the failure holding the same exception; the
    first is raised as ProgramError, so the copies garbage collection reports later are only noise."""
    if context.get("message") == "Future exception was never retrieved":
        return
    loop.default_exception_handler(context)


def _configure_runtime(
    monitor: _RecordingMonitor | None,
    project: str,
    stack: str,
    preview: bool,
    project_dir: Path,
    config: StackConfig,
) -> None:
    """Fresh SDK globals for each evaluation: settings, root stack resource and config."""
    settings.ROOT.set(None)
    settings.configure(
        sdk_mocks.MockSettings(
            monitor=monitor,
            monitor_features=(set(monitor.GetDeploymentInfo(None).supportedFeatures) if monitor else set()),
            engine=sdk_mocks.MockEngine(None) if monitor else None,
            project=project,
            stack=stack,
            dry_run=preview,
            organization="organization",
            root_directory=str(project_dir),
            callbacks=None,
            outputs=set(),
            lock=threading.Lock(),
            parallel=None,
            legacy_apply_enabled=False,
            package_refs={},
            base_providers_by_ref={},
        )
    )
    set_all_config(dict(config.values), sorted(config.secret_keys))


@contextlib.contextmanager
def _program_environment(project_dir: Path) -> Iterator[None]:
    """cwd and import path as the language host sets them; the program's own modules forgotten afterwards."""
    previous_cwd = Path.cwd()
    previous_modules = set(sys.modules)
    sys.path.insert(0, str(project_dir))
    os.chdir(project_dir)
    try:
        yield
    finally:
        os.chdir(previous_cwd)
        with contextlib.suppress(ValueError):
            sys.path.remove(str(project_dir))
        for name in set(sys.modules) - previous_modules:
            module_file = getattr(sys.modules[name], "__file__", None) or ""
            if module_file.startswith(str(project_dir)) and ".venv" not in Path(module_file).parts:
                del sys.modules[name]
