"""The gateway's commands: `veil deidentify`, `veil eval`, `veil bench pipeline`."""
