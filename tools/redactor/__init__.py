"""The redactor's commands and benchmark: `veil redactor extract|redact|sample`, `veil bench redactor`."""
