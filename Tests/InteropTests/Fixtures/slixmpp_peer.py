#!/usr/bin/python3
"""A scripted XMPP peer for interop tests: a c2s client or an XEP-0114 component (slixmpp).

Prints one JSON object per line on stdout, flushed:
  {"event": "online"}                                   session started (client: presence sent)
  {"event": "message", "from":, "to":, "type":, "id":, "body":}   every message received, bounces
                                                        (type "error", with "error_type" and "condition") included
  {"event": "sent", "to":, "id":, "body":}             every message sent
  {"event": "disconnected"} / {"event": "failed", "reason":} / {"event": "timeout"}
Sends the --send messages once online, then any command read from stdin, one per line:
  {"to": "JID", "body": "text"}     send a chat message ("type": "groupchat" for a room)
  {"subscribe": "JID"}               ask for a presence subscription (client)
  {"disco": "JID"}                   send a disco#info iq; prints {"event": "iq", "from":, "type":, "features":}
  {"join": "ROOM@SERVICE/NICK"}      join a XEP-0045 room (client); its presence prints as "presence"
  {"quit": true}                     disconnect and exit
Presence received prints {"event": "presence", "from":, "type":} (subscribe/subscribed included).
Exits by itself: 0 after --expect messages arrived and all --send were sent (unless --stay),
3 on --timeout (default 20 s), 4 when the connection or authentication failed.
Never talks to anything but the --host/--port given (loopback in the tests).
"""
import argparse
import asyncio
import inspect
import json
import ssl
import sys

import slixmpp
import slixmpp.exceptions
from slixmpp.componentxmpp import ComponentXMPP


def emit(**fields):
    sys.stdout.write(json.dumps(fields, sort_keys=True) + "\n")
    sys.stdout.flush()


def parse_arguments():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["client", "component"])
    parser.add_argument("--jid", required=True, help="client JID, or the component's domain")
    parser.add_argument("--password", required=True, help="client password, or the component secret")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--from-jid", help="component: the 'from' of sent messages (default: its domain)")
    parser.add_argument("--send", action="append", default=[], metavar="TO=BODY")
    parser.add_argument("--expect", type=int, default=0, help="exit after this many messages arrived")
    parser.add_argument("--stay", action="store_true", help="do not exit when done; wait for quit or timeout")
    parser.add_argument("--timeout", type=float, default=20.0)
    return parser.parse_args()


class Peer:
    def __init__(self, arguments):
        self.arguments = arguments
        self.received = 0
        self.sent_all = False
        self.exit_code = None
        self.closed = False
        if arguments.mode == "client":
            self.xmpp = slixmpp.ClientXMPP(arguments.jid, arguments.password)
            # Test servers use self-signed certificates: encrypt, but do not verify.
            self.xmpp.ssl_context.check_hostname = False
            self.xmpp.ssl_context.verify_mode = ssl.CERT_NONE
            self.xmpp.add_event_handler("failed_auth", lambda _: self.fail("authentication failed"))
        else:
            self.xmpp = ComponentXMPP(arguments.jid, arguments.password, arguments.host, arguments.port)
        self.xmpp.register_plugin("xep_0030")
        self.xmpp.register_plugin("xep_0045")
        self.xmpp.add_event_handler("presence", self.presence)
        self.xmpp.add_event_handler("session_start", self.online)
        self.xmpp.add_event_handler("message", self.message)
        self.xmpp.add_event_handler("message_error", self.message)  # bounces: type "error"
        self.xmpp.add_event_handler("connection_failed", lambda reason: self.fail(str(reason)))
        self.xmpp.add_event_handler("disconnected", self.disconnected)

    def start(self):
        loop = asyncio.get_event_loop()
        loop.call_later(self.arguments.timeout, self.timeout)
        if self.arguments.mode == "client":
            # slixmpp 1.8 (Debian 12) takes address=(host, port); 1.9+ (Debian 13: 1.10) host=, port=
            # and would try direct TLS first on the c2s port, failing the peer: STARTTLS only.
            self.xmpp.enable_direct_tls = False
            if "address" in inspect.signature(self.xmpp.connect).parameters:
                self.xmpp.connect(address=(self.arguments.host, self.arguments.port))
            else:
                self.xmpp.connect(host=self.arguments.host, port=self.arguments.port)
        else:
            self.xmpp.connect()
        try:
            loop.add_reader(sys.stdin.fileno(), self.command)
        except (OSError, ValueError):
            pass
        while self.exit_code is None:
            loop.run_until_complete(asyncio.sleep(0.05))
        for _ in range(40):  # up to 2 s for a clean stream close
            if self.closed:
                break
            loop.run_until_complete(asyncio.sleep(0.05))
        return self.exit_code

    def online(self, _):
        if self.arguments.mode == "client":
            self.xmpp.send_presence()
        emit(event="online")
        for item in self.arguments.send:
            to, _, body = item.partition("=")
            self.send(to, body)
        self.sent_all = True
        self.check_done()

    def send(self, to, body, kind="chat"):
        message = self.xmpp.make_message(mto=to, mbody=body, mtype=kind)
        if self.arguments.mode == "component":
            message["from"] = self.arguments.from_jid or self.arguments.jid
        message["id"] = self.xmpp.new_id()
        message.send()
        emit(event="sent", to=to, id=message["id"], body=body)

    def presence(self, stanza):
        emit(event="presence", **{"from": str(stanza["from"]), "to": str(stanza["to"]), "type": stanza["type"]})

    async def disco(self, jid):
        try:
            info = await self.xmpp["xep_0030"].get_info(jid=jid, timeout=15)
            features = sorted(info["disco_info"]["features"])
            emit(event="iq", **{"from": str(info["from"]), "type": info["type"], "features": " ".join(features)})
        except slixmpp.exceptions.IqError as error:
            emit(event="iq", **{"from": str(error.iq["from"]), "type": "error",
                                "condition": error.iq["error"]["condition"]})
        except slixmpp.exceptions.IqTimeout:
            emit(event="iq", **{"from": jid, "type": "timeout"})

    def message(self, stanza):
        self.received += 1
        fields = {"from": str(stanza["from"]), "to": str(stanza["to"]), "type": stanza["type"],
                  "id": stanza["id"], "body": stanza["body"]}
        if stanza["type"] == "error":
            # Read the raw element: slixmpp's error plugin misses it in the component namespace.
            for error in stanza.xml:
                if error.tag.endswith("}error"):
                    fields["error_type"] = error.get("type")
                    conditions = [child.tag.split("}")[-1] for child in error
                                  if child.tag.startswith("{urn:ietf:params:xml:ns:xmpp-stanzas}")
                                  and not child.tag.endswith("}text")]
                    fields["condition"] = conditions[0] if conditions else None
        emit(event="message", **fields)
        self.check_done()

    def command(self):
        line = sys.stdin.readline()
        if not line:
            asyncio.get_event_loop().remove_reader(sys.stdin.fileno())
            return
        try:
            command = json.loads(line)
        except ValueError:
            emit(event="bad-command", line=line.strip())
            return
        if command.get("quit"):
            self.finish(0)
        elif "subscribe" in command:
            self.xmpp.send_presence(pto=command["subscribe"], ptype="subscribe")
            emit(event="sent", to=command["subscribe"], body="subscribe")
        elif "disco" in command:
            asyncio.ensure_future(self.disco(command["disco"]))
        elif "join" in command:
            room, _, nick = command["join"].partition("/")
            self.xmpp["xep_0045"].join_muc(room, nick)
        elif "to" in command:
            self.send(command["to"], command.get("body", ""), command.get("type", "chat"))

    def check_done(self):
        if self.sent_all and self.received >= self.arguments.expect and not self.arguments.stay:
            self.finish(0)

    def fail(self, reason):
        emit(event="failed", reason=reason)
        self.finish(4)

    def timeout(self):
        if self.exit_code is None:
            emit(event="timeout")
            self.finish(3)

    def disconnected(self, _):
        emit(event="disconnected")
        self.closed = True
        if self.exit_code is None:
            self.exit_code = 4

    def finish(self, code):
        if self.exit_code is not None:
            return
        self.exit_code = code
        self.xmpp.disconnect(wait=1.0)


if __name__ == "__main__":
    sys.exit(Peer(parse_arguments()).start())
