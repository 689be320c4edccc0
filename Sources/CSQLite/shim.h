// SQLite for Swift: SQLITE_TRANSIENT is a cast macro Swift cannot import.
#ifndef XMPP_RELAY_CSQLITE_SHIM_H
#define XMPP_RELAY_CSQLITE_SHIM_H
#include <sqlite3.h>
static inline sqlite3_destructor_type shim_sqlite_transient(void) { return SQLITE_TRANSIENT; }
#endif
