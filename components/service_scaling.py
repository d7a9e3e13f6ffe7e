"""How a service's task count follows its load: target tracking and business-hours schedules.

Always CPU and memory; optionally ALB requests per target and custom CloudWatch metrics the application
publishes; each policy scales out after a minute and in after five, between minCount and maxCount. A
schedule sets other bounds for a time window (e.g. more tasks on weekday mornings), in its time zone.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.settings import ServiceSettings

SCALE_IN_COOLDOWN = 300
SCALE_OUT_COOLDOWN = 60
_scaling = aws.appautoscaling
TargetTracking = _scaling.PolicyTargetTrackingScalingPolicyConfigurationArgs
Predefined = _scaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs
Customized = _scaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationArgs
Dimension = _scaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationDimensionArgs


def scale_service(
    name: str,
    service: ServiceSettings,
    target: aws.appautoscaling.Target,
    request_count_label: pulumi.Input[str],
    parent: pulumi.Resource,
) -> None:
    """Every policy and schedule `service` asks for, on its scalable `target`.

    `request_count_label` is `<load balancer arn suffix>/<target group arn suffix>`, the ALB metric's key.
    """
    policies: list[tuple[str, float, Predefined | None, Customized | None]] = [
        (
            "cpu",
            service.cpu_target_percent,
            Predefined(predefined_metric_type="ECSServiceAverageCPUUtilization"),
            None,
        ),
        (
            "memory",
            service.memory_target_percent,
            Predefined(predefined_metric_type="ECSServiceAverageMemoryUtilization"),
            None,
        ),
    ]
    if service.requests_per_target is not None:
        policies.append(
            (
                "requests",
                service.requests_per_target,
                Predefined(
                    predefined_metric_type="ALBRequestCountPerTarget", resource_label=request_count_label
                ),
                None,
            )
        )
    for index, metric in enumerate(service.custom_metric_targets):
        policies.append(
            (
                f"metric-{index}",
                metric.target_value,
                None,
                Customized(
                    namespace=metric.namespace,
                    metric_name=metric.metric_name,
                    statistic=metric.statistic,
                    dimensions=[Dimension(name=k, value=v) for k, v in sorted(metric.dimensions.items())],
                ),
            )
        )
    for suffix, target_value, predefined, customized in policies:
        aws.appautoscaling.Policy(
            f"{name}-{suffix}",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration=TargetTracking(
                target_value=target_value,
                predefined_metric_specification=predefined,
                customized_metric_specification=customized,
                scale_in_cooldown=SCALE_IN_COOLDOWN,
                scale_out_cooldown=SCALE_OUT_COOLDOWN,
            ),
            opts=pulumi.ResourceOptions(parent=parent),
        )
    for window in service.scheduled_scaling:
        aws.appautoscaling.ScheduledAction(
            f"{name}-{window.name}",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            schedule=window.schedule,
            timezone=window.timezone,
            scalable_target_action=aws.appautoscaling.ScheduledActionScalableTargetActionArgs(
                min_capacity=window.min_count, max_capacity=window.max_count
            ),
            opts=pulumi.ResourceOptions(parent=parent),
        )
