#!/usr/bin/env python3
"""A scripted XMPP s2s server for `xmpp-relay probe` tests (loopback only; stop it by PID).
Usage: probe-xmpp-server.py CERT KEY HOST PORT [--not-required] [--no-starttls]
Serves every connection (one thread each): stream header, features with <starttls/> (with
<required/> unless --not-required; none with --no-starttls), <proceed/>, TLS with CERT/KEY; then
answers the stream opened over TLS with SASL EXTERNAL and the XEP-0220 dialback feature, and waits
until the client leaves. Prints "ready" once listening."""
import socket, ssl, sys, threading

cert, key, host, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
required = "--not-required" not in sys.argv
offer = "--no-starttls" not in sys.argv
HEADER = (b"<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:db='jabber:server:dialback' "
          b"xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='probe.test' version='1.0'>")


def read_until(conn, marker):
    data = b""
    while marker not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    return data


def serve(conn):
    try:
        conn.settimeout(20)
        if read_until(conn, b"<stream:stream") is None:
            return
        starttls = b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>" + (b"<required/>" if required else b"") \
            + b"</starttls>"
        conn.sendall(HEADER + b"<stream:features>" + (starttls if offer else b"") + b"</stream:features>")
        if not offer:
            conn.recv(4096)
            return
        if read_until(conn, b"<starttls") is None:
            return
        conn.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        tls = context.wrap_socket(conn, server_side=True)
        if read_until(tls, b"<stream:stream") is None:
            return
        tls.sendall(HEADER + b"<stream:features>"
                    b"<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>EXTERNAL</mechanism></mechanisms>"
                    b"<dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback>"
                    b"</stream:features>")
        while tls.recv(4096):
            pass
    except Exception:
        pass
    finally:
        conn.close()


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind((host, port))
listener.listen(8)
print("ready", flush=True)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
