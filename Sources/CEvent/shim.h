// libevent 2.1 for Swift. Debian's <event2/event-config.h> defines _GNU_SOURCE, which clashes with
// fd_set from the Glibc module: the system headers below must come before any event2 header.
#ifndef XMPP_RELAY_CEVENT_SHIM_H
#define XMPP_RELAY_CEVENT_SHIM_H
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/select.h>
#include <sys/time.h>
#include <stdio.h>
#include <event2/event.h>

// evtimer_new / evsignal_new are macros; Swift cannot call macros.
static inline struct event *shim_evtimer_new(struct event_base *base, event_callback_fn cb, void *arg) {
    return event_new(base, -1, 0, cb, arg);
}
static inline struct event *shim_evtimer_new_persist(struct event_base *base, event_callback_fn cb, void *arg) {
    return event_new(base, -1, EV_PERSIST, cb, arg);
}
static inline struct event *shim_evsignal_new(struct event_base *base, int signum, event_callback_fn cb, void *arg) {
    return event_new(base, signum, EV_SIGNAL | EV_PERSIST, cb, arg);
}
// `stdout` is a mutable global that Swift 6 rejects; flush through here.
static inline void shim_flush_stdout(void) { fflush(stdout); }
static inline void shim_flush_stderr(void) { fflush(stderr); }

// accept4 is declared only under _GNU_SOURCE, which the Glibc module was built without; declare it
// ourselves (the same prototype glibc has) so accepted sockets are non-blocking and close-on-exec
// atomically.
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);
static inline int shim_accept_nonblocking(int fd, struct sockaddr *addr, socklen_t *addrlen) {
    return accept4(fd, addr, addrlen, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
#endif
