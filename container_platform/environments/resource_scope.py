"""ARNs a stack names that only work in its own region or account, checked without calling AWS.

A load balancer's listener takes certificates from its own account and region only, and CloudWatch alarms
notify SNS topics in their own region only: both fail halfway through `pulumi up` otherwise.
"""

from __future__ import annotations

from components.settings import NAMESPACE, Settings

CERTIFICATE = f"{NAMESPACE}:loadBalancer.certificateArn"
TOPICS = f"{NAMESPACE}:alarmTopicArns"


def misplaced_arns(settings: Settings, account_id: str) -> list[str]:
    """One problem per ARN outside the stack's region (or, for the certificate, its account)."""
    problems = []
    arn = settings.load_balancer.certificate_arn
    if settings.load_balancer.protocol == "HTTPS" and arn is not None:
        arn_region, arn_account = arn.split(":")[3:5]
        if arn_region != settings.region:
            problems.append(
                f"{CERTIFICATE} = {arn!r} is in {arn_region}, but the load balancer is in {settings.region}; "
                f"request or import the certificate in {settings.region} (ACM certificates are regional)"
            )
        elif arn_account != account_id:
            problems.append(
                f"{CERTIFICATE} = {arn!r} belongs to account {arn_account}, not {account_id}; a load "
                "balancer uses only its own account's certificates: request one in this account"
            )
    for index, topic in enumerate(settings.alarm_topic_arns):
        topic_region = topic.split(":")[3]
        if topic_region != settings.region:
            problems.append(
                f"{TOPICS}[{index}] = {topic!r} is in {topic_region}; alarms in {settings.region} notify "
                f"topics in {settings.region} only: create the topic there"
            )
    return problems
