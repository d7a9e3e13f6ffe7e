"""What the stack policies of a promoted stack share: each task's container images, and reporting.

`prod-images-promoted` and `promoted-lineage` both judge every image a task definition runs, once known;
this walks them the same way (a container that cannot be read is a violation, an unknown image is
unchecked), and reports what is left after waivers, on the resource that made it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ReportViolation, StackValidationArgs

from review_board.containers import TASK_DEFINITION, containers
from review_board.framework import Resource, Unchecked, Violation
from review_board.waivers import LEDGER, unwaived
from review_board.wire import is_unknown, plain


class StackFindings:
    """Violations by resource and the checks preview cannot make yet, for one stack policy's run."""

    def __init__(self, policy: str) -> None:
        self.policy = policy
        self.found: dict[str, tuple[Resource, list[str]]] = {}
        self.unchecked: list[str] = []
        LEDGER.take_policies({policy})  # uses left by an earlier AnalyzeStack are not this run's

    def violation(self, resource: Resource, message: str) -> None:
        self.found.setdefault(resource.urn, (resource, []))[1].append(message)

    def task_images(self, args: StackValidationArgs) -> Iterator[tuple[Resource, str, str]]:
        """(task definition, container name, image) for every container whose image is known."""
        for policy_resource in args.resources:
            if policy_resource.resource_type != TASK_DEFINITION:
                continue
            resource = Resource(
                TASK_DEFINITION, policy_resource.name, policy_resource.urn, plain(policy_resource.props)
            )
            for container in containers(resource):
                name = str(container.get("name", "?")) if isinstance(container, dict) else "?"
                if isinstance(container, Unchecked):
                    self.unchecked.append(f"{resource.label} {container.what}")
                elif isinstance(container, Violation):
                    self.violation(resource, container.message)
                elif is_unknown(container.get("image")):
                    self.unchecked.append(f"{resource.label} image of container {name!r}")
                else:
                    yield resource, name, str(container.get("image"))

    def report(
        self, config: Mapping[str, Any], args: StackValidationArgs, report_violation: ReportViolation
    ) -> None:
        for urn, (resource, messages) in self.found.items():
            for message in unwaived(self.policy, resource.name, urn, messages, config.get("waivers", [])):
                report_violation(message, urn)
        if self.unchecked:
            args.not_applicable(f"not checked until the value is known: {'; '.join(self.unchecked)}")
