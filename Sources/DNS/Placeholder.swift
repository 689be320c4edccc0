// DNS: filled in by its issue.
internal import CUnbound
