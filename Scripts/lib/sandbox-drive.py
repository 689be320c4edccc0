"""Scripts/sandbox-check's inside: starts the relay as nobody (no capabilities, no_new_privs,
no W+X memory) with a NOTIFY_SOCKET of ours and drives it; prints one line per check and exits 1
when one failed. Runs as root in the namespace sandbox-check made."""
import ctypes
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

work = os.environ["SANDBOX_WORK"]
binary = os.environ["SANDBOX_BINARY"]
component_port = int(os.environ["SANDBOX_COMPONENT"])
direct_port = int(os.environ["SANDBOX_DIRECT"])
failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else ": " + detail))
    if not ok:
        failures.append(what)


notify_path = work + "/run/notify"
receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
receiver.bind(notify_path)
os.chmod(notify_path, 0o666)
receiver.settimeout(0.1)
datagrams = []


def pump(seconds, until=None):
    end = time.time() + seconds
    while time.time() < end:
        try:
            datagrams.append(receiver.recv(4096).decode())
        except socket.timeout:
            pass
        if until and any(until in d for d in datagrams):
            return True
    return until is None


def pump_count(part, count, seconds):
    end = time.time() + seconds
    while time.time() < end and sum(part in d for d in datagrams) < count:
        pump(0.1)
    return sum(part in d for d in datagrams) >= count


# MemoryDenyWriteExecute=: PR_SET_MDWE (Linux 6.3+), inherited over fork and exec.
libc = ctypes.CDLL(None, use_errno=True)
mdwe = libc.prctl(65, 1, 0, 0, 0) == 0
print("note mdwe (MemoryDenyWriteExecute) " + ("on" if mdwe else "not available on this kernel"))

log_path = work + "/run/relay.log"
log = open(log_path, "w")
environment = dict(os.environ, NOTIFY_SOCKET=notify_path, WATCHDOG_USEC="1000000")
# SystemCallFilter=: with strace, every system call the relay made is compared with
# `systemd-analyze syscall-filter`'s @system-service minus @privileged afterwards.
tracing = shutil.which("strace") is not None and shutil.which("systemd-analyze") is not None
trace_path = work + "/run/trace"
tracer = ["strace", "-f", "-qq", "-o", trace_path] if tracing else []
launched = subprocess.Popen(
    tracer + ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--no-new-privs",
     "--bounding-set=-all", "--inh-caps=-all", "--", binary, "run", "--config", work + "/etc/xmpp-relay.toml"],
    env=environment, stderr=log, stdout=subprocess.DEVNULL, cwd="/")


class Relay:
    """The relay's own pid (strace's child when traced), from its relay.start line."""

    pid = None

    def send_signal(self, number):
        os.kill(self.pid, number)


relay = Relay()


def log_text():
    return open(log_path).read()


try:
    check("READY=1 as nobody under the sandbox", pump(15, "READY=1"), log_text())
    relay.pid = int(re.search(r" pid=(\d+)", log_text()).group(1))
    check("systemd.notify says watchdog on", "event=systemd.notify notify=" + notify_path + " watchdog=on" in log_text(),
          log_text())
    link = socket.create_connection(("127.0.0.1", component_port), timeout=5)
    link.sendall(b"<stream:stream xmlns='jabber:component:accept' "
                 b"xmlns:stream='http://etherx.jabber.org/streams' to='sandbox.example'>")
    header = b""
    while b"id=" not in header:
        header += link.recv(4096)
    stream_id = re.search(rb"id='([^']+)'", header).group(1).decode()
    link.sendall(("<handshake>%s</handshake>" % hashlib.sha1((stream_id + "sandbox-secret").encode()).hexdigest())
                 .encode())
    check("component handshake", b"<handshake/>" in link.recv(4096))
    link.sendall(b"<message from='a@sandbox.example' to='b@remote.example' id='held1'><body>x</body></message>")
    tls = subprocess.run(["timeout", "10", "openssl", "s_client", "-connect", "127.0.0.1:%d" % direct_port,
                          "-servername", "sandbox.example"], input=b"", capture_output=True)
    check("TLS handshake on the direct TLS listener (key read, /etc/ssl)", b"Cipher is" in tls.stdout,
          tls.stdout.decode(errors="replace")[-400:])
    check("STATUS= shows the component and the held stanza",
          pump(5, "STATUS=links: 0 in, 0 out, 1 component; queued: 1 stanza"), str(datagrams[-5:]))
    relay.send_signal(signal.SIGHUP)
    check("SIGHUP: RELOADING=1 with MONOTONIC_USEC", pump(5, "MONOTONIC_USEC="), str(datagrams[-5:]))
    check("READY=1 after the reload", pump_count("READY=1", 2, 5), str(datagrams[-5:]))
    check("config.reload", "event=config.reload " in log_text(), log_text())
    relay.send_signal(signal.SIGUSR1)
    time.sleep(0.5)
    check("stats reads /proc/self/status (rss_kb)", " rss_kb=" in log_text(), log_text())
    check("WATCHDOG=1 pings", pump(2, "WATCHDOG=1"), str(datagrams[-5:]))
    state = os.listdir(work + "/state")
    check("state directory written as nobody (root.key)", "root.key" in state, str(state))
    relay.send_signal(signal.SIGTERM)
    stopped = pump(5, "STOPPING=1")
    link.close()
    launched.wait(15)
    check("SIGTERM: STOPPING=1, exit 0", stopped and launched.returncode == 0, "exit %s" % launched.returncode)
finally:
    if launched.poll() is None:
        launched.kill()
        launched.wait()


def syscall_set(group, seen=None):
    seen = set() if seen is None else seen
    names = set()
    if group in seen:
        return names
    seen.add(group)
    listing = subprocess.run(["systemd-analyze", "syscall-filter", group], capture_output=True, text=True).stdout
    for line in listing.splitlines():
        if not line.startswith("    ") or line.strip().startswith("#") or not line.strip():
            continue
        name = line.strip()
        names |= syscall_set(name, seen) if name.startswith("@") else {name}
    return names


if tracing:
    used = set()
    started = False  # what setpriv does before it executes the relay is not the relay's
    for line in open(trace_path):
        if not started:
            started = re.match(r"\d+ +execve\(\"" + re.escape(binary) + "\"", line) is not None
            continue
        match = re.match(r"\d+ +([a-z_0-9]+)\(", line)
        if match:
            used.add(match.group(1))
    allowed = syscall_set("@system-service") - syscall_set("@privileged")
    print("note %d distinct system calls: %s" % (len(used), " ".join(sorted(used))))
    check("every system call is in @system-service and none in @privileged", used <= allowed,
          " ".join(sorted(used - allowed)))
    families = set(re.findall(r"socket\((AF_[A-Z0-9]+)", open(trace_path).read()))
    check("sockets only AF_INET, AF_INET6, AF_UNIX (RestrictAddressFamilies=)",
          families <= {"AF_INET", "AF_INET6", "AF_UNIX"}, str(families))
else:
    print("note no strace or systemd-analyze: system calls not compared with SystemCallFilter=")
text = log_text()
problems = [line for line in text.splitlines() if "level=error" in line or "notify_failed" in line]
check("no errors in the log", not problems, "\n".join(problems))
if failures:
    print(text)
    sys.exit(1)
print("sandbox-check: the relay ran under the sandbox above (not the seccomp filter: see the script's header)")
