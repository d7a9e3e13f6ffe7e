"""`python -m container_platform <command>`."""

import gc
import sys

from container_platform.cli import main

code = main()
# The process ends here. Exempt what exists from the interpreter's final cycle collection: after a review
# it would walk everything the Pulumi SDK built (about 1.5 s of a 4 s run) only to free memory the OS
# reclaims anyway. atexit handlers and stream flushing still run.
gc.freeze()
sys.exit(code)
