"""Question 1 and 2 on the hosts: an instance's user data only configures the ECS agent.

User data runs as root on every instance at boot. A `docker run` there starts a container that no task
definition declares, so no image, port or confinement rule of this pack ever sees it. The pack cannot judge
a script, so it accepts only the one shape it can read: a `#!/bin/bash` script whose every other line
appends one reviewed ECS agent setting to /etc/ecs/ecs.config (what components/cluster.py writes). Anything
else (another command, a cloud-config, MIME parts, shell metacharacters in a value) fails closed.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from typing import Any

from review_board.framework import Finding, Resource, Unchecked, Violation, resource_policy
from review_board.network_exposure import INSTANCE, LAUNCH_CONFIGURATION, LAUNCH_TEMPLATE
from review_board.wire import is_unknown

# Which inputs carry user data, and whether the provider takes them base64-encoded.
USER_DATA_INPUTS = {
    LAUNCH_TEMPLATE: (("userData", True),),
    INSTANCE: (("userData", False), ("userDataBase64", True)),
    LAUNCH_CONFIGURATION: (("userData", False), ("userDataBase64", True)),
}
SHEBANG = "#!/bin/bash"
AGENT_SETTING = re.compile(r"^echo ([A-Z][A-Z0-9_]*)=([A-Za-z0-9_.:/-]*) >> /etc/ecs/ecs\.config$")


def _script(value: Any, encoded: bool) -> str | None:
    """The script text, or None when base64 input is not valid base64 of UTF-8."""
    if not encoded:
        return str(value)
    try:
        return base64.b64decode(str(value), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _problem(script: str, allowed: set[str]) -> str | None:
    """Why the script is more than agent settings, or None when every line is a reviewed one."""
    lines = [line.strip() for line in script.splitlines() if line.strip()]
    if not lines or lines[0] != SHEBANG:
        return (
            f"it does not start with {SHEBANG!r} (a cloud-config, MIME or other format the pack cannot read)"
        )
    for number, line in enumerate(lines[1:], start=2):
        match = AGENT_SETTING.match(line)
        if not match:
            return (
                f"line {number} ({line[:80]!r}) is not an ECS agent setting appended to /etc/ecs/ecs.config"
            )
        if match.group(1) not in allowed:
            return f"line {number} sets {match.group(1)}, not a reviewed agent setting ({sorted(allowed)})"
    return None


def _agent_config_only(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    allowed = set(config["allowedAgentSettings"])
    for key, encoded in USER_DATA_INPUTS[resource.type]:
        value = resource.props.get(key)
        if is_unknown(value):
            yield Unchecked(key)
            continue
        if value is None or value == "":
            continue
        script = _script(value, encoded)
        problem = "it is not valid base64 of UTF-8 text" if script is None else _problem(script, allowed)
        if problem:
            yield Violation(
                f"{resource.label} {key} is more than ECS agent configuration: {problem}. User data runs as "
                "root on the host, where a container it starts escapes every image, port and confinement "
                "rule. Fix: run workloads as ECS tasks; keep user data to 'echo KEY=value >> "
                "/etc/ecs/ecs.config' lines, or have the board review the setting and add it to "
                "allowedAgentSettings."
            )


POLICIES = [
    resource_policy(
        name="user-data-agent-config-only",
        question="extras",
        description="Instance user data only configures the ECS agent; it starts nothing the pack cannot see",
        types=list(USER_DATA_INPUTS),
        check=_agent_config_only,
        config={
            "allowedAgentSettings": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": ["ECS_CLUSTER", "ECS_AWSVPC_BLOCK_IMDS", "ECS_DISABLE_PRIVILEGED"],
                "description": "ECS agent settings (ecs.config keys) the board has reviewed.",
            }
        },
    ),
]
