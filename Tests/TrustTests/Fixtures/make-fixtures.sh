#!/bin/sh
# Makes the certificates the Trust and X509 tests use (openssl 3.0, EC P-256, fixed dates so the
# tests can inject "now" = 2027-01-01T00:00:00Z). Private keys stay in a temporary directory.
# Run from anywhere: sh Tests/TrustTests/Fixtures/make-fixtures.sh
set -eu
OUT=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/new"

cat > "$WORK/ca.cnf" <<CNF
[ca]
default_ca = test_ca
[test_ca]
database = $WORK/index.txt
new_certs_dir = $WORK/new
serial = $WORK/serial
default_md = sha256
policy = any_name
unique_subject = no
copy_extensions = none
email_in_dn = no
[any_name]
commonName = supplied
organizationName = optional
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
CNF

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/$1.key" 2>/dev/null; }

# sign NAME ISSUER SUBJECT START END EXTENSIONS: issues NAME.pem with ISSUER's key ("self" = self-signed).
sign() {
    name=$1 issuer=$2 subject=$3 start=$4 end=$5 extensions=$6
    key "$name"
    : > "$WORK/index.txt"
    openssl rand -hex 16 > "$WORK/serial"
    printf '[ext]\n%s\n' "$extensions" > "$WORK/$name.ext"
    openssl req -new -key "$WORK/$name.key" -subj "$subject" -out "$WORK/$name.csr" -config "$WORK/ca.cnf"
    if [ "$issuer" = self ]; then
        set -- -selfsign -keyfile "$WORK/$name.key"
    else
        set -- -cert "$OUT/$issuer.pem" -keyfile "$WORK/$issuer.key"
    fi
    openssl ca -batch -notext -config "$WORK/ca.cnf" "$@" -in "$WORK/$name.csr" -out "$OUT/$name.pem" \
        -startdate "$start" -enddate "$end" -extfile "$WORK/$name.ext" -extensions ext 2>/dev/null
}

CA_EXT='basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash'
LEAF='basicConstraints = CA:false
keyUsage = critical, digitalSignature
authorityKeyIdentifier = keyid'
BOTH='extendedKeyUsage = serverAuth, clientAuth'

# A private root in the role of the system CA bundle, and an intermediate below it.
sign ca self "/CN=Relay Test Root CA/O=xmpp-relay tests" 20260101000000Z 20460101000000Z "$CA_EXT"
sign intermediate ca "/CN=Relay Test Intermediate" 20260101000000Z 20410101000000Z "$CA_EXT
authorityKeyIdentifier = keyid"

# Leaves under the root.
sign leaf-xmpp ca "/CN=xmpp.example" 20260101000000Z 20360101000000Z "$LEAF
$BOTH
subjectAltName = otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-server.xmpp.example, otherName:1.3.6.1.5.5.7.8.5;UTF8:xmpp.example, DNS:xmpp.example, DNS:*.wild.example"
sign leaf-srv-only ca "/CN=srv.example" 20260101000000Z 20360101000000Z "$LEAF
$BOTH
subjectAltName = otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-server.srv.example"
sign leaf-xmppaddr-only ca "/CN=addr.example" 20260101000000Z 20360101000000Z "$LEAF
$BOTH
subjectAltName = otherName:1.3.6.1.5.5.7.8.5;UTF8:addr.example"
sign leaf-cn-only ca "/CN=cn.example" 20260101000000Z 20360101000000Z "$LEAF
$BOTH"
sign leaf-expired ca "/CN=old.example" 20260101000000Z 20261001000000Z "$LEAF
$BOTH
subjectAltName = DNS:old.example"
sign leaf-not-yet-valid ca "/CN=future.example" 20300101000000Z 20400101000000Z "$LEAF
$BOTH
subjectAltName = DNS:future.example"
sign leaf-client-auth ca "/CN=client.example" 20260101000000Z 20360101000000Z "$LEAF
extendedKeyUsage = clientAuth
subjectAltName = DNS:client.example"
sign leaf-server-auth ca "/CN=server.example" 20260101000000Z 20360101000000Z "$LEAF
extendedKeyUsage = serverAuth
subjectAltName = DNS:server.example"
sign leaf-no-eku ca "/CN=noeku.example" 20260101000000Z 20360101000000Z "$LEAF
subjectAltName = DNS:noeku.example"
sign leaf-via-intermediate intermediate "/CN=chain.example" 20260101000000Z 20360101000000Z "$LEAF
$BOTH
subjectAltName = DNS:chain.example"

# A friend's self-signed home relay certificate (what xmpp-relay keygen makes).
sign self-signed self "/CN=jones.example" 20260101000000Z 20360101000000Z "basicConstraints = CA:false
$BOTH
subjectAltName = DNS:jones.example, otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-server.jones.example, otherName:1.3.6.1.5.5.7.8.5;UTF8:jones.example"

# DANE-TA: a private CA published as TLSA 2 x x (not in the system bundle), with a leaf that names
# the domain and one that does not.
sign dane-ta self "/CN=DANE Trust Anchor" 20260101000000Z 20460101000000Z "$CA_EXT"
sign dane-leaf-named dane-ta "/CN=dane.example" 20260101000000Z 20360101000000Z "$LEAF
$BOTH
subjectAltName = DNS:dane.example"
sign dane-leaf-unnamed dane-ta "/CN=unrelated.example" 20260101000000Z 20360101000000Z "$LEAF
$BOTH
subjectAltName = DNS:unrelated.example"

# openssl's own digests, to check the pure-Swift SHA-256/SHA-512 and TLSA matching against.
: > "$OUT/digests.txt"
for pem in "$OUT"/*.pem; do
    name=$(basename "$pem" .pem)
    openssl x509 -in "$pem" -outform der -out "$WORK/cert.der"
    openssl x509 -in "$pem" -pubkey -noout | openssl pkey -pubin -outform der -out "$WORK/spki.der"
    for selector in 0 1; do
        if [ $selector = 0 ]; then file="$WORK/cert.der"; else file="$WORK/spki.der"; fi
        echo "$name $selector 0 $(od -An -v -tx1 "$file" | tr -d ' \n')" >> "$OUT/digests.txt"
        echo "$name $selector 1 $(openssl dgst -sha256 -r "$file" | cut -d' ' -f1)" >> "$OUT/digests.txt"
        echo "$name $selector 2 $(openssl dgst -sha512 -r "$file" | cut -d' ' -f1)" >> "$OUT/digests.txt"
    done
    openssl x509 -in "$pem" -noout -serial -startdate -enddate -subject -issuer -nameopt RFC2253 > "$OUT/$name.info"
done
echo "fixtures written to $OUT"
