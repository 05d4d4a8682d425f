"""The classifier's commands and benchmarks: `veil train`, `veil db`, `veil data`, `veil bench classifier`."""
