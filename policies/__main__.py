"""The container-platform policy pack: builds the PolicyPack from the rule families, nothing else."""

import gc

from pulumi_policy import EnforcementLevel, PolicyPack
from review_board import applicable_only, decode_once, pack

decode_once.install()
applicable_only.install()
policies = pack.policies()
# Everything loaded so far (AWS's action catalogue above all) lives as long as the process: keep it out of
# the collector's passes, which a large IAM document's thousands of new objects would otherwise set off.
gc.freeze()
# Young collections still free each request's cycles. A full one walks every cached decoding and pattern
# and stalled one Analyze call for 20-30 ms (bench_policies, 1,000-statement documents), so it practically
# never runs: the process lives for one preview, and what survives two young collections is cached anyway.
gc.set_threshold(10_000, 10, 1_000_000)

PolicyPack(name=pack.NAME, enforcement_level=EnforcementLevel.ADVISORY, policies=policies)
