#!/bin/sh
# Builds the DNSSEC-signed zone pr.test. for the `probe` end-to-end tests and a knot configuration
# serving it on loopback (the approach of Tests/DNSTests/Fixtures/make-test-zone.sh).
# Usage: make-probe-zone.sh DIR DNSPORT CERT PORT
#   CERT: the PEM certificate every test server uses (its "3 1 1" goes into the TLSA records);
#   PORT: the XMPP port all test servers listen on, each on its own 127.0.0.x (all of 127/8 is loopback).
# Then: knotd -c DIR/knot.conf (stop it by PID). Writes DIR/trust-anchor.ds. Needs ldnsutils, knot, openssl.
# Nothing here ever talks to anything but 127.0.0.x.
set -eu
dir=$1
dnsport=$2
cert=$3
port=$4
mkdir -p "$dir"
cd "$dir"
pin=$(openssl x509 -in "$cert" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -r | cut -d' ' -f1)

cat > pr.test.zone <<ZONE
\$ORIGIN pr.test.
\$TTL 3600
@                          SOA   ns.pr.test. hostmaster.pr.test. 1 3600 600 86400 300
@                          NS    ns.pr.test.
ns                         A     127.0.0.1

; direct TLS, TLS 1.2+ only, DANE-EE: A+
_xmpps-server._tcp.modern  SRV   0 0 $port tls.modern.pr.test.
tls.modern                 A     127.0.0.21
_$port._tcp.tls.modern     TLSA  3 1 1 $pin

; direct TLS, still accepts TLS 1.0/1.1: C
_xmpps-server._tcp.legacy  SRV   0 0 $port tls.legacy.pr.test.
tls.legacy                 A     127.0.0.22
_$port._tcp.tls.legacy     TLSA  3 1 1 $pin

; STARTTLS required, SASL EXTERNAL and dialback after TLS, DANE-EE: A+
_xmpp-server._tcp.starttls SRV   0 0 $port xmpp.starttls.pr.test.
xmpp.starttls              A     127.0.0.23
_$port._tcp.xmpp.starttls  TLSA  3 1 1 $pin

; direct TLS, self-signed, no TLSA: T (trust)
_xmpps-server._tcp.untrusted SRV 0 0 $port tls.untrusted.pr.test.
tls.untrusted              A     127.0.0.24

; STARTTLS offered but not required: F
_xmpp-server._tcp.plain    SRV   0 0 $port xmpp.plain.pr.test.
xmpp.plain                 A     127.0.0.25
_$port._tcp.xmpp.plain     TLSA  3 1 1 $pin

; nobody listens: no grade
_xmpps-server._tcp.down    SRV   0 0 $port tls.down.pr.test.
tls.down                   A     127.0.0.26
ZONE

rm -f Kpr.test.*
ksk=$(ldns-keygen -a ECDSAP256SHA256 -k pr.test.)
zsk=$(ldns-keygen -a ECDSAP256SHA256 pr.test.)
ldns-signzone -f pr.test.zone.signed pr.test.zone "$ksk" "$zsk"
cp "$ksk.ds" trust-anchor.ds

mkdir -p knot
cat > knot.conf <<CONF
server:
    listen: 127.0.0.1@$dnsport
    rundir: "$dir/knot"
    pidfile: "$dir/knot/knot.pid"
database:
    storage: "$dir/knot"
log:
  - target: stderr
    any: critical
template:
  - id: default
    storage: "$dir"
    zonefile-sync: -1
    journal-content: none
    semantic-checks: off
zone:
  - domain: pr.test.
    file: "pr.test.zone.signed"
CONF
