"""Where the Pulumi project lives: the repository that holds this package, shared by every room of the CLI."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
