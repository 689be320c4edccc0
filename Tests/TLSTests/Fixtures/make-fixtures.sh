#!/bin/sh
# Regenerates the TLS test fixtures (committed; run by hand when they need changing).
# Needs: openssl (Debian package openssl). Everything is valid for 20 years from the day it was made.
set -eu
cd "$(dirname "$0")"
DAYS=7300

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
rsa_key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:"$2" -out "$1" 2>/dev/null; }

ca_ext="basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash"

# sign NAME ISSUER SAN: NAME.csr -> NAME.crt, issued by ISSUER (ISSUER.crt / ISSUER.key)
leaf() {
    name=$1 issuer=$2 san=$3
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "$san" >"$name.ext"
    openssl req -new -key "$name.key" -subj "/CN=${san#DNS:}" -out "$name.csr"
    openssl x509 -req -in "$name.csr" -CA "$issuer.crt" -CAkey "$issuer.key" -CAcreateserial -days $DAYS \
        -sha256 -extfile "$name.ext" -out "$name.crt" 2>/dev/null
    rm -f "$name.csr" "$name.ext"
}

# Root CA and an intermediate CA (EC P-256).
ec_key root-ca.key
printf '%s\n' "$ca_ext" >ca.ext
openssl req -new -x509 -key root-ca.key -subj "/CN=xmpp-relay test root CA" -days $DAYS -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out root-ca.crt
ec_key intermediate-ca.key
openssl req -new -key intermediate-ca.key -subj "/CN=xmpp-relay test intermediate CA" -out intermediate-ca.csr
openssl x509 -req -in intermediate-ca.csr -CA root-ca.crt -CAkey root-ca.key -CAcreateserial -days $DAYS -sha256 \
    -extfile ca.ext -out intermediate-ca.crt 2>/dev/null
rm -f intermediate-ca.csr

# Leaves under the intermediate: EC server, RSA server, EC client, weak RSA-1024.
ec_key a.example.key; leaf a.example intermediate-ca DNS:a.example
rsa_key b.example.key 2048; leaf b.example intermediate-ca DNS:b.example
ec_key client.example.key; leaf client.example intermediate-ca DNS:client.example
rsa_key weak.example.key 1024; leaf weak.example intermediate-ca DNS:weak.example
for name in a.example b.example client.example weak.example; do
    cat "$name.crt" intermediate-ca.crt >"$name.chain.pem"
done

# An unrelated CA and a leaf it issued (the "wrong CA" cases).
ec_key other-ca.key
openssl req -new -x509 -key other-ca.key -subj "/CN=some other CA" -days $DAYS -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out other-ca.crt
ec_key stranger.example.key; leaf stranger.example other-ca DNS:stranger.example

# A self-signed leaf, as a friend's home relay would have (trusted by pin or DANE-EE, not by a CA).
ec_key self.example.key
openssl req -new -x509 -key self.example.key -subj "/CN=self.example" -days $DAYS -sha256 \
    -addext "subjectAltName=DNS:self.example" -addext "extendedKeyUsage=serverAuth,clientAuth" -out self.example.crt
cp self.example.crt self.example.chain.pem

# DER forms for the DER loading paths.
openssl x509 -in a.example.crt -outform DER -out a.example.der
openssl pkey -in a.example.key -outform DER -out a.example.key.der
# SPKI of a.example, for checking the exporter.
openssl x509 -in a.example.crt -pubkey -noout | openssl pkey -pubin -outform DER -out a.example.spki.der

printf 'this is not a certificate\n' >garbage.pem
rm -f ca.ext ./*.srl
