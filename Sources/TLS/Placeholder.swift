// TLS: filled in by its issue.
internal import CMbedTLS
