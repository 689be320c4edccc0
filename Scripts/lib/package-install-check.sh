#!/usr/bin/env bash
# Run by Scripts/trixie-leg inside a throwaway overlay of the Debian 13 chroot (as root):
#   package-install-check.sh DEB VERSION
# Installs the package as an operator would (apt-get install ./DEB) and checks what installing must
# and must not do: the user and its state directory exist, the unit is installed but not enabled,
# the conffile is registered and refused until edited; then, as the operator's edit, a loopback
# configuration passes check-config --user, the relay runs as the user, opens its listener, stops
# with exit 0 on SIGTERM; purge removes configuration and state and keeps the user. There is no
# systemd in the chroot: the relay is started directly, as the user the unit names.
set -o errexit -o nounset -o pipefail
deb="$1" version="$2"
fail() {
    echo "package check: FAILED: $*" >&2
    exit 1
}
ok() { echo "package check: ok: $*"; }
config=/etc/xmpp-relay/xmpp-relay.toml

DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" >/tmp/apt.log 2>&1 || {
    cat /tmp/apt.log
    fail "apt-get install $deb"
}
ok "apt-get install $(basename "$deb")"

IFS=: read -r _ _ uid _ _ home shell <<<"$(getent passwd xmpp-relay)" || fail "no user xmpp-relay"
[ "$uid" -lt 1000 ] && [ "$home" = /var/lib/xmpp-relay ] && [ "$shell" = /usr/sbin/nologin ] ||
    fail "user xmpp-relay: uid $uid home $home shell $shell (want a system uid, /var/lib/xmpp-relay, nologin)"
getent group xmpp-relay >/dev/null || fail "no group xmpp-relay"
ok "system user xmpp-relay (uid $uid, home $home, shell $shell)"
[ "$(stat -c '%U:%G %a' /var/lib/xmpp-relay)" = "xmpp-relay:xmpp-relay 700" ] ||
    fail "/var/lib/xmpp-relay is $(stat -c '%U:%G %a' /var/lib/xmpp-relay 2>&1)"
ok "/var/lib/xmpp-relay xmpp-relay:xmpp-relay 700"

[ "$(xmpp-relay version)" = "xmpp-relay $version" ] || fail "xmpp-relay version printed '$(xmpp-relay version)'"
ok "xmpp-relay version: $(xmpp-relay version)"
dpkg-query -W -f='${Conffiles}\n' xmpp-relay | grep -q " $config " || fail "$config is not a conffile"
ok "$config is a conffile"
[ -f /usr/lib/systemd/system/xmpp-relay.service ] || fail "no unit in /usr/lib/systemd/system"
[ ! -e /etc/systemd/system/multi-user.target.wants/xmpp-relay.service ] || fail "installing enabled the unit"
ok "unit installed, not enabled"
zcat /usr/share/man/man8/xmpp-relay.8.gz | head -n 1 | grep -q '^\.TH XMPP\\-RELAY 8' || fail "no man page"

# The reference configuration names example domains and certificate files that do not exist.
rc=0
xmpp-relay check-config "$config" >/tmp/check.log 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "check-config of the unedited $config exited $rc (want 2: refused until edited)"
ok "unedited $config refused by check-config (exit 2): $(head -n 1 /tmp/check.log)"

# The operator's edit, following the component-only example the package ships: a key and
# certificate from keygen (group-readable for the relay), the component's secret, listeners on
# loopback ports free right now.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
component_port=$(free_port)
domain=iot.smith.example
xmpp-relay keygen "$domain" --out /etc/xmpp-relay >/dev/null || fail "xmpp-relay keygen $domain"
chgrp xmpp-relay "/etc/xmpp-relay/$domain.key" && chmod 640 "/etc/xmpp-relay/$domain.key"
(umask 077 && head -c 18 /dev/urandom | base64 >/etc/xmpp-relay/iot.secret)
chown xmpp-relay:xmpp-relay /etc/xmpp-relay/iot.secret
{
    printf '[relay]\nstate_dir = "/var/lib/xmpp-relay"\n\n'
    sed -e "s/\"\\[::\\]:5269\"/\"127.0.0.1:$port\"/" -e 's/^s2s_direct_tls = .*/s2s_direct_tls = []/' \
        -e "s/127.0.0.1:5347/127.0.0.1:$component_port/" /usr/share/doc/xmpp-relay/examples/component-only.toml
} >"$config"
xmpp-relay check-config --user xmpp-relay "$config" || fail "check-config --user xmpp-relay of the edited $config"
ok "check-config --user xmpp-relay $config (component-only example, loopback ports $port and $component_port)"

log=/tmp/relay.log
setpriv --reuid=xmpp-relay --regid=xmpp-relay --clear-groups -- \
    xmpp-relay run --config "$config" </dev/null >/dev/null 2>"$log" &
pid=$!
for _ in $(seq 100); do
    grep -q 'event=relay.start ' "$log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
start_line=$(grep 'event=relay.start ' "$log" || true)
case "$start_line" in *"s2s:127.0.0.1:$port"*"component:127.0.0.1:$component_port"* | \
    *"component:127.0.0.1:$component_port"*"s2s:127.0.0.1:$port"*) ;; *) start_line="" ;; esac
[ -n "$start_line" ] || {
    cat "$log"
    kill -KILL "$pid" 2>/dev/null || true
    fail "no relay.start with the s2s and component listeners within 10 s"
}
[ "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" = "$uid" ] || fail "the relay does not run as xmpp-relay"
(exec 3<>"/dev/tcp/127.0.0.1/$port") || fail "nothing accepts on 127.0.0.1:$port"
ok "relay running as xmpp-relay, accepting on 127.0.0.1:$port"
kill -TERM "$pid"
rc=0
for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; fail "still running 10 s after SIGTERM"; }
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] && grep -q 'event=relay.stop ' "$log" || { cat "$log"; fail "SIGTERM: exit $rc, want 0 and relay.stop"; }
ok "SIGTERM: relay.stop, exit 0"

DEBIAN_FRONTEND=noninteractive apt-get purge -y -q xmpp-relay >/tmp/apt.log 2>&1 || {
    cat /tmp/apt.log
    fail "apt-get purge xmpp-relay"
}
[ ! -e "$config" ] && [ ! -e /var/lib/xmpp-relay ] || fail "purge left $config or /var/lib/xmpp-relay"
getent passwd xmpp-relay >/dev/null || fail "purge removed the system user"
ok "purge removed $config and /var/lib/xmpp-relay, kept the user"
