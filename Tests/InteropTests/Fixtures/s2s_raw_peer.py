#!/usr/bin/python3
"""A hand-rolled XMPP s2s peer for negative interop tests (loopback only).

  listen-plaintext HOST PORT DOMAIN
      Accepts s2s streams and answers each with a stream header and features offering no
      STARTTLS (dialback only), then keeps reading. Prints what it receives.
  sasl-client HOST PORT FROM TO CERT KEY STANZA
      Connects, STARTTLS, presents CERT/KEY, authenticates by SASL EXTERNAL as FROM, restarts the
      stream, sends STANZA and prints everything the server sends until it closes or 8 s pass.
  dialback-client HOST PORT FROM TO CERT KEY
      Connects, STARTTLS with CERT/KEY, restarts the stream and asks for dialback (db:result) as
      FROM, which makes the server open a verification stream to FROM's authoritative server; then
      prints everything the server sends until it closes or 8 s pass.
Everything received goes to stdout as it arrives (flushed).
"""
import socket
import ssl
import sys
import time

NS = "xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'"


def out(text):
    sys.stdout.write(text)
    sys.stdout.flush()


def read_until(sock, marker, timeout=8):
    sock.settimeout(timeout)
    data = ""
    while marker not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk.decode("utf-8", "replace")
        out(chunk.decode("utf-8", "replace"))
    return data


def listen_plaintext(host, port, domain):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((host, int(port)))
    server.listen(8)
    while True:
        conn, _ = server.accept()
        try:
            read_until(conn, ">", timeout=5)
            conn.sendall(
                f"<?xml version='1.0'?><stream:stream {NS} from='{domain}' id='p1' version='1.0'>"
                "<stream:features><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>".encode())
            conn.settimeout(5)
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                out(chunk.decode("utf-8", "replace"))
        except OSError:
            pass
        conn.close()


def starttls(host, port, header, to_domain, cert, key):
    """Opens the stream, upgrades it with CERT/KEY and restarts it; returns the TLS socket."""
    sock = socket.create_connection((host, int(port)), timeout=8)
    sock.sendall(header.encode())
    read_until(sock, "</stream:features>")
    sock.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    read_until(sock, "<proceed")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.load_cert_chain(cert, key)
    tls = context.wrap_socket(sock, server_hostname=to_domain)
    tls.sendall(header.encode())
    read_until(tls, "</stream:features>")
    return tls


def print_until_closed(tls, seconds=8):
    deadline = time.time() + seconds
    try:
        while time.time() < deadline:
            tls.settimeout(max(0.1, deadline - time.time()))
            chunk = tls.recv(65536)
            if not chunk:
                break
            out(chunk.decode("utf-8", "replace"))
    except (OSError, socket.timeout):
        pass
    out("\n--- closed\n")


def dialback_client(host, port, from_domain, to_domain, cert, key):
    header = (f"<?xml version='1.0'?><stream:stream {NS} xmlns:db='jabber:server:dialback' "
              f"from='{from_domain}' to='{to_domain}' version='1.0'>")
    tls = starttls(host, port, header, to_domain, cert, key)
    tls.sendall(f"<db:result from='{from_domain}' to='{to_domain}'>0123456789abcdef</db:result>".encode())
    out("\n--- dialback requested\n")
    print_until_closed(tls)


def sasl_client(host, port, from_domain, to_domain, cert, key, stanza):
    header = f"<?xml version='1.0'?><stream:stream {NS} from='{from_domain}' to='{to_domain}' version='1.0'>"
    tls = starttls(host, port, header, to_domain, cert, key)
    tls.sendall(b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>")
    read_until(tls, "<success")
    tls.sendall(header.encode())
    read_until(tls, "</stream:features>")
    out("\n--- authenticated\n")
    tls.sendall(stanza.encode())
    print_until_closed(tls)


if __name__ == "__main__":
    if sys.argv[1] == "listen-plaintext":
        listen_plaintext(*sys.argv[2:5])
    elif sys.argv[1] == "sasl-client":
        sasl_client(*sys.argv[2:9])
    elif sys.argv[1] == "dialback-client":
        dialback_client(*sys.argv[2:8])
