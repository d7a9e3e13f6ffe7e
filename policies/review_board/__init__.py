"""The container-platform policy pack's rules, one module per rule family."""
