// Expat for Swift: version differences only.
#ifndef XMPP_RELAY_CEXPAT_SHIM_H
#define XMPP_RELAY_CEXPAT_SHIM_H
#include <expat.h>

// Expat >= 2.6 defers reparsing of large tokens, which delays events for small chunks.
// Turn it off where it exists so byte-at-a-time and all-at-once feeding behave the same.
static inline void shim_expat_disable_reparse_deferral(XML_Parser parser) {
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 6)
    XML_SetReparseDeferralEnabled(parser, XML_FALSE);
#else
    (void)parser;
#endif
}
#endif
