// Trust: filled in by its issue.
