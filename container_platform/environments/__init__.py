"""New environments: `init` writes a stack from the nearest existing one, `preflight` checks it against the
account before `pulumi up`."""
