"""CloudWatch alarms on the load balancer's metrics, built one way for the ALB and for each service."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

ALB_NAMESPACE = "AWS/ApplicationELB"


@dataclass(frozen=True)
class AlbAlarm:
    """Fire when `metric`'s `statistic` stays above `threshold` for `evaluation_periods` minutes."""

    suffix: str
    metric: str
    statistic: str
    threshold: int
    what: str
    evaluation_periods: int = 3


def alb_alarms(
    name: str,
    subject: str,
    alarms: Sequence[AlbAlarm],
    dimensions: Mapping[str, pulumi.Input[str]],
    topic_arns: Sequence[str],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> list[aws.cloudwatch.MetricAlarm]:
    """One alarm per entry, notifying `topic_arns` when it fires and when it clears; no data is healthy."""
    return [
        aws.cloudwatch.MetricAlarm(
            f"{name}-{alarm.suffix}",
            alarm_description=f"{subject}: {alarm.what} above {alarm.threshold}",
            namespace=ALB_NAMESPACE,
            metric_name=alarm.metric,
            statistic=alarm.statistic,
            dimensions=dict(dimensions),
            period=60,
            evaluation_periods=alarm.evaluation_periods,
            threshold=alarm.threshold,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=list(topic_arns),
            ok_actions=list(topic_arns),
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for alarm in alarms
    ]
