#!/usr/bin/env python3
"""A minimal XMPP s2s STARTTLS responder for `xmpp-relay pin --starttls` tests (loopback only).
Prints its port, answers one connection: stream header, features with <starttls/>, <proceed/>,
then TLS with the given certificate. With --no-starttls it offers no STARTTLS; with
--stream-error it answers the stream header with a host-unknown stream error. With
--plaintext-error it answers whatever arrives first (a TLS ClientHello) as an s2s port does: a
stream header and a not-well-formed stream error with a text, in two writes."""
import socket, ssl, sys, time

cert, key = sys.argv[1], sys.argv[2]
offer = "--no-starttls" not in sys.argv
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(1)
print(listener.getsockname()[1], flush=True)
listener.settimeout(20)
conn, _ = listener.accept()
conn.settimeout(20)
if "--plaintext-error" in sys.argv:
    conn.recv(4096)
    conn.sendall(b"<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
                 b"xmlns:stream='http://etherx.jabber.org/streams' id='s1' version='1.0'>")
    time.sleep(0.2)
    conn.sendall(b"<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                 b"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>expected an XML stream here</text>"
                 b"</stream:error></stream:stream>")
    conn.close()
    sys.exit(0)
data = b""
while b"<stream:stream" not in data or not data.rstrip().endswith(b">"):
    chunk = conn.recv(4096)
    if not chunk:
        sys.exit(1)
    data += chunk
if "--stream-error" in sys.argv:
    conn.sendall(b"<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
                 b"xmlns:stream='http://etherx.jabber.org/streams' id='s1' version='1.0'>"
                 b"<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                 b"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>this server does not serve peer.example</text>"
                 b"</stream:error></stream:stream>")
    conn.close()
    sys.exit(0)
features = b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>" if offer else b""
conn.sendall(b"<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
             b"xmlns:stream='http://etherx.jabber.org/streams' id='s1' version='1.0'>"
             b"<stream:features>" + features + b"</stream:features>")
if not offer:
    conn.recv(4096)
    sys.exit(0)
data = b""
while b"<starttls" not in data:
    chunk = conn.recv(4096)
    if not chunk:
        sys.exit(1)
    data += chunk
conn.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
tls = context.wrap_socket(conn, server_side=True)
try:
    tls.recv(4096)
except Exception:
    pass
