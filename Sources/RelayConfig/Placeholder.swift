// RelayConfig: filled in by its issue.
