"""Tooling around the Pulumi program: offline review, promotion between stacks, local image builds."""
