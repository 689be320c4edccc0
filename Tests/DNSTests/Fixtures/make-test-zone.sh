#!/bin/sh
# Builds a DNSSEC-signed test zone and a knot configuration serving it on loopback.
# Usage: make-test-zone.sh DIR PORT      then: knotd -c DIR/knot.conf   (stop it by PID)
# Writes into DIR: xr.test.zone(.signed, bogus edits applied), insecure.xr.test.zone, knot.conf,
# trust-anchor.ds (the DS of xr.test. for the validating side). Needs: ldnsutils, knot.
# knot rather than unbound's auth-zone: unbound 1.17 serves wrong NXDOMAIN proofs below empty
# non-terminals (_tcp.DOMAIN when only one of the two SRV names exists).
# Nothing here ever talks to anything but 127.0.0.1.
set -eu
dir=$1
port=$2
mkdir -p "$dir"
cd "$dir"

# 32-byte SHA-256 values standing in for "3 1 1" certificate hashes.
h1=8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1
h2=3c2e1d3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f

cat > xr.test.zone <<ZONE
\$ORIGIN xr.test.
\$TTL 3600
@                         SOA   ns.xr.test. hostmaster.xr.test. 1 3600 600 86400 300
@                         NS    ns.xr.test.
ns                        A     127.0.0.1

; secure: SRV in both services, TLSA on one target, none on the other
_xmpps-server._tcp.secure SRV   5 0 5270 xmpp1.secure.xr.test.
_xmpp-server._tcp.secure  SRV   10 5 5269 xmpp1.secure.xr.test.
_xmpp-server._tcp.secure  SRV   20 0 5269 xmpp2.secure.xr.test.
xmpp1.secure              A     192.0.2.10
xmpp1.secure              A     192.0.2.11
xmpp1.secure              AAAA  2001:db8::10
xmpp1.secure              AAAA  2001:db8::11
_5269._tcp.xmpp1.secure   TLSA  3 1 1 $h1
_5270._tcp.xmpp1.secure   TLSA  3 1 1 $h1
_5270._tcp.xmpp1.secure   TLSA  2 0 1 $h2
xmpp2.secure              A     192.0.2.12

; no SRV at all: A/AAAA of the domain on 5269, TLSA at _5269._tcp.DOMAIN
fallback                  A     192.0.2.20
fallback                  AAAA  2001:db8::20
_5269._tcp.fallback       TLSA  3 1 1 $h1

; "." target: decidedly no service
_xmpp-server._tcp.nosvc   SRV   0 0 0 .
_xmpps-server._tcp.nosvc  SRV   0 0 0 .
nosvc                     A     192.0.2.30

; bogus SRV (edited after signing)
_xmpp-server._tcp.bogus   SRV   10 0 5269 xmpp.bogus.xr.test.
xmpp.bogus                A     192.0.2.40

; secure SRV, target with a bogus TLSA (edited after signing) next to a good one
_xmpp-server._tcp.bogustlsa SRV 10 0 5269 bad.bogustlsa.xr.test.
_xmpp-server._tcp.bogustlsa SRV 20 0 5269 good.bogustlsa.xr.test.
bad.bogustlsa             A     192.0.2.50
good.bogustlsa            A     192.0.2.51
_5269._tcp.bad.bogustlsa  TLSA  3 1 1 $h1
_5269._tcp.good.bogustlsa TLSA  3 1 1 $h1

; weights: 60/30/10 at priority 10, one backup at priority 20
_xmpp-server._tcp.weighted SRV  10 60 5269 a.weighted.xr.test.
_xmpp-server._tcp.weighted SRV  10 30 5269 b.weighted.xr.test.
_xmpp-server._tcp.weighted SRV  10 10 5269 c.weighted.xr.test.
_xmpp-server._tcp.weighted SRV  20 0 5269 d.weighted.xr.test.
a.weighted                A     192.0.2.61
b.weighted                A     192.0.2.62
c.weighted                A     192.0.2.63
d.weighted                A     192.0.2.64

; insecure child: delegated without DS
insecure                  NS    ns.insecure.xr.test.
ns.insecure               A     127.0.0.1

; secure SRV and addresses, but the TLSA lives in a signed child zone (its DS is below) whose
; only server is dead (port 53 of an unused loopback address): the TLSA lookup fails
_xmpp-server._tcp.deadtlsa SRV  10 0 5269 xmpp.deadtlsa.xr.test.
xmpp.deadtlsa             A     192.0.2.80
_tcp.xmpp.deadtlsa        NS    ns.dead.xr.test.
ns.dead                   A     127.0.9.53
ZONE

# The dead child's key exists only for its DS: nothing ever serves that zone.
rm -f K_tcp.xmpp.deadtlsa.xr.test.*
deadksk=$(ldns-keygen -a ECDSAP256SHA256 -k _tcp.xmpp.deadtlsa.xr.test.)
cat "$deadksk.ds" >> xr.test.zone

cat > insecure.xr.test.zone <<ZONE
\$ORIGIN insecure.xr.test.
\$TTL 3600
@                         SOA   ns.insecure.xr.test. hostmaster.xr.test. 1 3600 600 86400 300
@                         NS    ns.insecure.xr.test.
ns                        A     127.0.0.1
_xmpp-server._tcp         SRV   10 0 5269 xmpp.insecure.xr.test.
xmpp                      A     192.0.2.70
_5269._tcp.xmpp           TLSA  3 1 1 $h1
ZONE

rm -f Kxr.test.*
ksk=$(ldns-keygen -a ECDSAP256SHA256 -k xr.test.)
zsk=$(ldns-keygen -a ECDSAP256SHA256 xr.test.)
ldns-signzone -f xr.test.zone.signed xr.test.zone "$ksk" "$zsk"
cp "$ksk.ds" trust-anchor.ds

# Forge data under valid signatures: the validator must call these bogus.
sed -i -e 's/\(_xmpp-server\._tcp\.bogus\.xr\.test\..*SRV[[:space:]]*10 0\) 5269/\1 5999/' \
    -e 's/\(_5269\._tcp\.bad\.bogustlsa\.xr\.test\..*TLSA[[:space:]]*3 1 1 \)8cb0/\1ffff/' \
    xr.test.zone.signed
grep -q 'SRV[[:space:]]*10 0 5999' xr.test.zone.signed
grep -qi 'bad.bogustlsa.*ffff' xr.test.zone.signed

# A zone whose file does not load: knot answers SERVFAIL for it.
: > servfail.test.zone

mkdir -p knot
cat > knot.conf <<CONF
server:
    listen: 127.0.0.1@$port
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
  - domain: xr.test.
    file: "xr.test.zone.signed"
  - domain: insecure.xr.test.
    file: "insecure.xr.test.zone"
  - domain: servfail.test.
    file: "servfail.test.zone"
CONF
