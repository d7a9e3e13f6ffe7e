"""`python -m container_platform <command>`."""

import sys

from container_platform.cli import main

sys.exit(main())
