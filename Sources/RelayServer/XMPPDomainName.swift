import XMPPStream

/// DNS and XMPPStream both have a `DomainName`; in this module it is the XMPP one.
typealias DomainName = XMPPStream.DomainName
