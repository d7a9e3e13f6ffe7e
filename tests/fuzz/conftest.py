"""Hypothesis profiles for the fuzz suite: seeded (derandomized) so every run tries the same cases.

`make test` runs the `default` profile (a few hundred cases over the suite); `make fuzz` sets
HYPOTHESIS_PROFILE=fuzz (thousands). Neither has a per-example deadline: the tests assert their own time
limits, against hangs.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# capsys is function-scoped; each example reads (and so empties) it before the next.
_COMMON = {
    "derandomize": True,
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}
settings.register_profile("default", max_examples=60, **_COMMON)
settings.register_profile("fuzz", max_examples=1500, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
