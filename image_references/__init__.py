"""Image references, shared by the Pulumi program, the CLI and the policy pack; depends on none of them."""
