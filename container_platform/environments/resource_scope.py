"""ARNs a stack names that only work in its own region or account, checked without calling AWS.

A load balancer's listener takes certificates from its own account and region only, and CloudWatch alarms
notify SNS topics in their own region only: both fail halfway through `pulumi up` otherwise.
"""

from __future__ import annotations

from components.settings import NAMESPACE, Settings

CERTIFICATE = f"{NAMESPACE}:loadBalancer.certificateArn"
TOPICS = f"{NAMESPACE}:alarmTopicArns"


def misplaced_arns(settings: Settings, account_id: str) -> list[str]:
    """One problem per ARN outside the stack's account (the certificate) or region (the topics); the
    settings themselves already refuse a certificate of another region."""
    problems = []
    arn = settings.load_balancer.certificate_arn
    if settings.load_balancer.protocol == "HTTPS" and arn is not None:
        arn_account = arn.split(":")[4]
        if arn_account != account_id:
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
