"""Promotion between stacks: move built digests from one stack's outputs into the next stack's files."""
