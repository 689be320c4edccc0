#!/usr/bin/python3
"""A hand-rolled client of the relay's home listener (or public s2s port) for negative tests.

  plain SOURCE HOST PORT FROM TO [ELEMENT...]
      Connects from SOURCE (a loopback address), opens a stream FROM -> TO, waits for the
      features, sends each ELEMENT, and prints everything the relay sends until it closes or 5 s pass.
  tls SOURCE HOST PORT FROM TO CERT KEY
      The same, but STARTTLS first, presenting CERT/KEY, then a new stream FROM -> TO.
Loopback only. Output goes to stdout as it arrives (flushed).
"""
import socket
import ssl
import sys

HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'"
          " xmlns:db='jabber:server:dialback' version='1.0' from='{}' to='{}'>")


def out(text):
    sys.stdout.write(text)
    sys.stdout.flush()


def read_until(sock, marker, timeout=5):
    sock.settimeout(timeout)
    data = ""
    try:
        while marker not in data:
            chunk = sock.recv(65536)
            if not chunk:
                out("\n[closed]\n")
                break
            text = chunk.decode("utf-8", "replace")
            data += text
            out(text)
    except socket.timeout:
        out("\n[timeout]\n")
    except (ConnectionResetError, ssl.SSLError) as error:
        out("\n[closed: %s]\n" % error)
    return data


def connect(source, host, port):
    sock = socket.socket()
    sock.bind((source, 0))
    try:
        sock.connect((host, int(port)))
    except OSError as error:
        out("[connect failed: %s]\n" % error)
        sys.exit(0)
    return sock


def main(arguments):
    mode, source, host, port, sender, receiver = arguments[:6]
    sock = connect(source, host, port)
    try:
        sock.sendall(HEADER.format(sender, receiver).encode())
    except OSError as error:
        out("[closed: %s]\n" % error)
        return
    if "</stream:features>" not in read_until(sock, "</stream:features>"):
        return
    if mode == "tls":
        cert, key = arguments[6:8]
        sock.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        if "proceed" not in read_until(sock, "proceed"):
            return
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.load_cert_chain(cert, key)
        sock = context.wrap_socket(sock, server_hostname=receiver)
        sock.sendall(HEADER.format(sender, receiver).encode())
        read_until(sock, "</stream:stream>")
        return
    for element in arguments[6:]:
        sock.sendall(element.encode())
    read_until(sock, "</stream:stream>")


if __name__ == "__main__":
    main(sys.argv[1:])
