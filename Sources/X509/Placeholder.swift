// X509: filled in by its issue.
