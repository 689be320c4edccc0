// libunbound for Swift, event mode: the context runs on the relay's libevent base.
#ifndef XMPP_RELAY_CUNBOUND_SHIM_H
#define XMPP_RELAY_CUNBOUND_SHIM_H
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/select.h>
#include <sys/time.h>
#include <stdio.h>
#include <unbound.h>
#include <unbound-event.h>
#endif
