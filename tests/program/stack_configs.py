"""Stack configs for tests and benchmarks: the real stack files, and the 40-service fixture.

The review benchmark imports `forty_services_config` to evaluate a stack of the users' target size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FORTY_SERVICES = Path(__file__).parent / "fixtures" / "forty_services.yaml"
FOUNDING_CASE = Path(__file__).parent / "fixtures" / "founding_case.yaml"


def stack_config(stack: str) -> dict[str, Any]:
    """The `config:` section of Pulumi.<stack>.yaml, as evaluate_stack takes it (a fresh copy each call)."""
    return yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]


def forty_services_config() -> dict[str, Any]:
    """40 services over 8 applications, pinned digests: evaluate it as stack `scale`."""
    return yaml.safe_load(FORTY_SERVICES.read_text())["config"]


def founding_case_config() -> dict[str, Any]:
    """The founding case, eight applications using every service capability: evaluate it as `founding`."""
    return yaml.safe_load(FOUNDING_CASE.read_text())["config"]
