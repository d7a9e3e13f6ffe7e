"""The container-platform policy pack's rules, one module per rule family.

The pack shares `image_references/` (image reference and digest parsing) with the Pulumi program and the CLI,
one copy of the logic for all three. The pack is run from this repository (`--policy-pack policies`) and
already reads the project's Dockerfiles there, so importing this package puts the repository root on the path;
`image_references` depends on docker-image-py alone, which the pack's requirements install.
"""

import sys
from pathlib import Path

_REPOSITORY_ROOT = str(Path(__file__).resolve().parents[2])
if _REPOSITORY_ROOT not in sys.path:
    sys.path.append(_REPOSITORY_ROOT)
