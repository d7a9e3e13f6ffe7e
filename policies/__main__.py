"""The container-platform policy pack: builds the PolicyPack from the rule families, nothing else."""

from pulumi_policy import EnforcementLevel, PolicyPack
from review_board import reviewer_extras
from review_board.waivers_used import waivers_used_policy

PolicyPack(
    name="container-platform",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        *reviewer_extras.POLICIES,
        waivers_used_policy(),
    ],
)
