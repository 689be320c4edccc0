// XMPPStream: filled in by its issue.
internal import CExpat
