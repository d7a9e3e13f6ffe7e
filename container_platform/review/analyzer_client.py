"""Drive a Pulumi policy pack over the Analyzer gRPC protocol, the way the Pulumi engine does.

The offline review and the policy tests must see exactly what `pulumi preview --policy-pack` would see, so
this module starts the real pack process (`python -u -m pulumi.policy 127.0.0.1:0 .`), reads the port it
prints, and speaks the engine's side of `pulumi.runtime.proto`'s Analyzer service: ConfigureStack,
GetAnalyzerInfo, Configure (with a `--policy-pack-config` file reconciled and validated as the CLI does),
then Analyze per resource and AnalyzeStack once.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from container_platform.strict_json import StrictJsonError, loads_strict

# A pack prints its port within a few seconds (two shared cores, cold imports: under 10 s); one that has not
# after this long never will. Each call gets RPC_TIMEOUT_SECONDS; after one call timed out, the pack is
# taken for hung and every later call fails at once, so a queue of hundreds never waits that long each.
START_TIMEOUT_SECONDS = 30.0
RPC_TIMEOUT_SECONDS = 60.0
LAUNCHER = Path(__file__).with_name("pack_launcher.py")

ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
_LEVEL_TO_PROTO = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
_PROTO_TO_LEVEL = {value: name for name, value in _LEVEL_TO_PROTO.items()}
_PROTO_TO_SEVERITY = {
    analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED: "",
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}


class PolicyPackError(Exception):
    """The policy pack misbehaved or was misconfigured; the message says what and how to fix it."""


class PolicyPackStartError(PolicyPackError):
    """The pack process could not be started; the message includes its stderr."""


class PolicyPackConfigError(PolicyPackError):
    """The policy pack config file is not what `--policy-pack-config` accepts for this pack."""


@dataclass(frozen=True)
class Diagnostic:
    """One policy violation, as the engine would print it."""

    policy_name: str
    policy_pack: str
    enforcement_level: str
    urn: str
    message: str
    description: str
    severity: str


@dataclass(frozen=True)
class NotApplicable:
    """A policy that declined to judge a resource (or the stack), with its reason."""

    policy_name: str
    reason: str
    urn: str


@dataclass(frozen=True)
class Analysis:
    """Everything one Analyze or AnalyzeStack call answered."""

    diagnostics: tuple[Diagnostic, ...]
    not_applicable: tuple[NotApplicable, ...]


@dataclass(frozen=True)
class AnalyzedProvider:
    """The provider the engine names alongside each resource it analyzes: identity and inputs."""

    urn: str
    type: str
    name: str
    properties: Mapping[str, Any]


@dataclass(frozen=True)
class AnalyzedResource:
    """What the engine sends per resource: inputs in wire form (unknowns as sentinels, secrets wrapped)."""

    urn: str
    type: str
    name: str
    properties: Mapping[str, Any]
    parent: str | None = None
    dependencies: Sequence[str] = ()
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)
    provider: AnalyzedProvider | None = None


@dataclass(frozen=True)
class PolicyInfo:
    """A policy as the pack describes it: its default level and the JSON schema of its config."""

    name: str
    description: str
    enforcement_level: str
    config_schema: Mapping[str, Any]
    required: tuple[str, ...]
    stack_policy: bool
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnalyzerInfo:
    name: str
    version: str
    policies: tuple[PolicyInfo, ...]

    def policy(self, name: str) -> PolicyInfo:
        for policy in self.policies:
            if policy.name == name:
                return policy
        raise KeyError(f"policy pack {self.name!r} has no policy {name!r}")


@dataclass(frozen=True)
class PolicyConfig:
    """The reconciled config of one policy, as sent in ConfigureAnalyzerRequest."""

    enforcement_level: str
    properties: Mapping[str, Any]


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(dict(value))
    return message


def _enforcement_level(value: Any, where: str) -> str:
    if value not in ENFORCEMENT_LEVELS:
        raise PolicyPackConfigError(
            f"{where}: enforcement level {value!r} is not one of {', '.join(ENFORCEMENT_LEVELS)}; "
            "set one of those."
        )
    return str(value)


def reconcile_config(info: AnalyzerInfo, config: Mapping[str, Any], source: str) -> dict[str, PolicyConfig]:
    """Apply a `--policy-pack-config` document to the pack's policies, as the Pulumi CLI does.

    `all` sets every policy's level; a policy's own entry (a level string, or an object with an optional
    `enforcementLevel` and config properties) overrides it. Properties are filled in from each schema's
    defaults and validated against it; a name that is no policy of the pack is rejected.
    """
    if not isinstance(config, Mapping):
        raise PolicyPackConfigError(
            f"{source}: the policy pack config must be a JSON object, got {config!r}."
        )
    known = {policy.name for policy in info.policies}
    unknown = sorted(set(config) - known - {"all"})
    if unknown:
        raise PolicyPackConfigError(
            f"{source}: {', '.join(map(repr, unknown))} is not a policy of pack {info.name!r}; "
            f"use one of: all, {', '.join(sorted(known))}."
        )
    all_level = _enforcement_level(config["all"], f"{source}: 'all'") if "all" in config else None
    reconciled: dict[str, PolicyConfig] = {}
    for policy in info.policies:
        entry = config.get(policy.name, {})
        level = all_level or policy.enforcement_level
        if isinstance(entry, str):
            level, properties = _enforcement_level(entry, f"{source}: {policy.name!r}"), {}
        elif isinstance(entry, Mapping):
            properties = {key: value for key, value in entry.items() if key != "enforcementLevel"}
            if "enforcementLevel" in entry:
                level = _enforcement_level(
                    entry["enforcementLevel"], f"{source}: {policy.name}.enforcementLevel"
                )
        else:
            raise PolicyPackConfigError(
                f"{source}: {policy.name!r} must be an enforcement level or an object, got {entry!r}."
            )
        with_defaults = {
            key: schema["default"]
            for key, schema in policy.config_schema.items()
            if isinstance(schema, Mapping) and "default" in schema
        }
        with_defaults.update(properties)
        schema = {
            "type": "object",
            "properties": dict(policy.config_schema),
            "required": list(policy.required),
        }
        import jsonschema  # imported here: only a config file needs it, and it costs 0.1 s at start-up

        validator = jsonschema.Draft7Validator(
            schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
        )
        errors = sorted(validator.iter_errors(with_defaults), key=str)
        if errors:
            problems = "; ".join(
                f"{'.'.join(map(str, error.absolute_path)) or '(top level)'}: {error.message}"
                for error in errors
            )
            raise PolicyPackConfigError(
                f"{source}: config of policy {policy.name!r} is invalid: {problems}. "
                "Fix the value to match the policy's config schema (docs/policies.md)."
            )
        reconciled[policy.name] = PolicyConfig(level, with_defaults)
    return reconciled


def _to_analyzer_provider(provider: AnalyzedProvider | None) -> analyzer_pb2.AnalyzerProviderResource | None:
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type, urn=provider.urn, name=provider.name, properties=_struct(provider.properties)
    )


def _resource_fields(resource: AnalyzedResource) -> dict[str, Any]:
    """What an AnalyzeRequest and a stack's AnalyzerResource both say of a resource."""
    return {
        "type": resource.type,
        "urn": resource.urn,
        "name": resource.name,
        "properties": _struct(resource.properties),
        "options": analyzer_pb2.AnalyzerResourceOptions(parent=resource.parent or ""),
        "provider": _to_analyzer_provider(resource.provider),
    }


def _to_analyzer_resource(resource: AnalyzedResource) -> analyzer_pb2.AnalyzerResource:
    return analyzer_pb2.AnalyzerResource(
        **_resource_fields(resource),
        parent=resource.parent or "",
        dependencies=list(resource.dependencies),
        propertyDependencies={
            key: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(urns))
            for key, urns in resource.property_dependencies.items()
        },
    )


def analyzer_info(response: analyzer_pb2.AnalyzerInfo) -> AnalyzerInfo:
    """What GetAnalyzerInfo says of the pack and its policies."""
    return AnalyzerInfo(
        name=response.name,
        version=response.version,
        policies=tuple(
            PolicyInfo(
                name=p.name,
                description=p.description,
                enforcement_level=_PROTO_TO_LEVEL[p.enforcementLevel],
                config_schema=json_format.MessageToDict(p.configSchema.properties),
                required=tuple(p.configSchema.required),
                stack_policy=p.policy_type == analyzer_pb2.POLICY_TYPE_STACK,
                tags=tuple(p.tags),
            )
            for p in response.policies
        ),
    )


def configure_request(config: Mapping[str, PolicyConfig]) -> analyzer_pb2.ConfigureAnalyzerRequest:
    """The ConfigureAnalyzerRequest the engine sends for a reconciled config."""
    return analyzer_pb2.ConfigureAnalyzerRequest(
        policyConfig={
            name: analyzer_pb2.PolicyConfig(
                enforcementLevel=_LEVEL_TO_PROTO[entry.enforcement_level],
                properties=_struct(entry.properties),
            )
            for name, entry in config.items()
        }
    )


def analyze_request(resource: AnalyzedResource) -> analyzer_pb2.AnalyzeRequest:
    """The AnalyzeRequest the engine sends for one resource."""
    return analyzer_pb2.AnalyzeRequest(**_resource_fields(resource))


def _analysis(response: analyzer_pb2.AnalyzeResponse, urn: str) -> Analysis:
    return Analysis(
        diagnostics=tuple(
            Diagnostic(
                policy_name=d.policyName,
                policy_pack=d.policyPackName,
                enforcement_level=_PROTO_TO_LEVEL[d.enforcementLevel],
                urn=d.urn or urn,
                message=d.message,
                description=d.description,
                severity=_PROTO_TO_SEVERITY.get(d.severity, ""),
            )
            for d in response.diagnostics
        ),
        not_applicable=tuple(NotApplicable(n.policy_name, n.reason, urn) for n in response.not_applicable),
    )


class PolicyPackProcess:
    """A running policy pack, configured for one stack; use as a context manager.

    The process gets the environment the engine gives an analyzer (PULUMI_PROJECT, PULUMI_STACK,
    PULUMI_DRY_RUN, PULUMI_CONFIG) and is stopped on exit.
    """

    def __init__(
        self,
        pack_dir: Path,
        *,
        project: str,
        stack: str,
        dry_run: bool,
        config_file: Path | None = None,
        stack_config: Mapping[str, str] | None = None,
        python: str = sys.executable,
        start_timeout: float | None = None,
        rpc_timeout: float | None = None,
    ) -> None:
        self.pack_dir = Path(pack_dir)
        self.project = project
        self.stack = stack
        self.dry_run = dry_run
        self.config_file = config_file
        self.stack_config = dict(stack_config or {})
        self.python = python
        self.start_timeout = START_TIMEOUT_SECONDS if start_timeout is None else start_timeout
        self.rpc_timeout = RPC_TIMEOUT_SECONDS if rpc_timeout is None else rpc_timeout
        self._hung: str | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self.info: AnalyzerInfo | None = None
        self.config: dict[str, PolicyConfig] = {}

    def __enter__(self) -> PolicyPackProcess:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        if not (self.pack_dir / "PulumiPolicy.yaml").is_file():
            raise PolicyPackStartError(
                f"{self.pack_dir} is not a policy pack (no PulumiPolicy.yaml); pass the pack's directory."
            )
        port = self._spawn()
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        self._call(
            "ConfigureStack",
            analyzer_pb2.AnalyzerStackConfigureRequest(
                project=self.project, stack=self.stack, dry_run=self.dry_run, config=self.stack_config
            ),
        )
        self.info = self._read_info()
        self.configure(self._read_config_file())

    def _spawn(self) -> int:
        env = dict(os.environ)
        env.update(
            PULUMI_PROJECT=self.project,
            PULUMI_STACK=self.stack,
            PULUMI_DRY_RUN="true" if self.dry_run else "false",
            PULUMI_CONFIG=json.dumps(self.stack_config),
        )
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        try:
            self._process = subprocess.Popen(
                [self.python, "-u", str(LAUNCHER), "127.0.0.1:0", "."],
                cwd=self.pack_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as error:
            raise PolicyPackStartError(f"cannot run {self.python!r} for the policy pack: {error}") from error
        assert self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], self.start_timeout)
        line = self._process.stdout.readline().decode(errors="replace").strip() if ready else ""
        if not line.isdigit():
            if self._process.poll() is None:
                self._process.kill()
                self._process.wait()
                why = f"printed no port within {self.start_timeout:.0f} s and was stopped"
            else:
                why = f"exited with code {self._process.returncode}"
            raise PolicyPackStartError(
                f"policy pack in {self.pack_dir} did not start ({why}, first output {line[:200]!r}). "
                f"Its stderr:\n{self.stderr()}"
            )
        return int(line)

    @property
    def pid(self) -> int | None:
        """The pack process's id while it runs (benchmarks read its CPU time)."""
        return self._process.pid if self._process is not None else None

    def stderr(self) -> str:
        """What the pack process wrote to stderr so far."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def _call(self, method: str, request: Any) -> Any:
        assert self._stub is not None, "the policy pack is not started"
        if self._hung is not None:
            raise PolicyPackError(self._hung)
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                return getattr(self._stub, method)(request, timeout=self.rpc_timeout)
            except grpc.RpcError as error:
                if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                    self._hung = (
                        f"policy pack did not answer {method} within {self.rpc_timeout:.0f} s (a policy "
                        f"hangs?); the review stopped, nothing was judged. Its stderr:\n{self.stderr()}"
                    )
                    raise PolicyPackError(self._hung) from error
                if error.code() == grpc.StatusCode.UNAVAILABLE and time.monotonic() < deadline:
                    if self._process is not None and self._process.poll() is not None:
                        raise PolicyPackError(
                            f"policy pack exited during {method}. Its stderr:\n{self.stderr()}"
                        ) from error
                    time.sleep(0.05)
                    continue
                raise PolicyPackError(
                    f"policy pack failed in {method}: {error.details()}. Its stderr:\n{self.stderr()}"
                ) from error

    def _read_info(self) -> AnalyzerInfo:
        return analyzer_info(self._call("GetAnalyzerInfo", empty_pb2.Empty()))

    def _read_config_file(self) -> Mapping[str, Any]:
        if self.config_file is None:
            return {}
        try:
            return loads_strict(Path(self.config_file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, StrictJsonError) as error:
            raise PolicyPackConfigError(
                f"policy pack config {self.config_file}: cannot read it as JSON ({error}); "
                "pass a JSON file in the `--policy-pack-config` format."
            ) from error

    def configure(self, config: Mapping[str, Any], source: str | None = None) -> None:
        """Send a `--policy-pack-config` document (already parsed) to the pack, replacing the current one."""
        assert self.info is not None, "the policy pack is not started"
        self.config = reconcile_config(self.info, config, source or str(self.config_file or "config"))
        self._call("Configure", configure_request(self.config))

    def analyze_resource(self, resource: AnalyzedResource) -> Analysis:
        return _analysis(self._call("Analyze", analyze_request(resource)), resource.urn)

    def analyze_stack_resources(self, resources: Sequence[AnalyzedResource]) -> Analysis:
        request = analyzer_pb2.AnalyzeStackRequest(resources=[_to_analyzer_resource(r) for r in resources])
        return _analysis(self._call("AnalyzeStack", request), "")

    def analyze(self, resource: AnalyzedResource) -> list[Diagnostic]:
        return list(self.analyze_resource(resource).diagnostics)

    def analyze_stack(self, resources: Sequence[AnalyzedResource]) -> list[Diagnostic]:
        return list(self.analyze_stack_resources(resources).diagnostics)

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
