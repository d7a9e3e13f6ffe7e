"""The container-platform policy pack: builds the PolicyPack from the rule families, nothing else."""

from pulumi_policy import EnforcementLevel, PolicyPack
from review_board import decode_once, iam, images, ports, reviewer_extras
from review_board.lineage import promoted_lineage_policy
from review_board.promotion import prod_images_promoted_policy
from review_board.waivers_used import stack_waivers_used_policy, waivers_used_policy

decode_once.install()

PolicyPack(
    name="container-platform",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        *images.POLICIES,
        prod_images_promoted_policy(),
        promoted_lineage_policy(),
        *ports.POLICIES,
        *iam.POLICIES,
        *reviewer_extras.POLICIES,
        waivers_used_policy(),  # last: reports the waivers the policies above used for this resource
        stack_waivers_used_policy(),  # last stack policy: reports the waivers prod-images-promoted used
    ],
)
