# Finds the programs of a supervisord that is gone: processes whose
# environment says supervisord started them (SUPERVISOR_ENABLED) for the
# server on this socket. Unless checking (argv[2] is 1), stops them (their
# process group, then SIGKILL after 5 s). Prints their names.
import os
import re
import signal
import sys
import time

url = ("SUPERVISOR_SERVER_URL=unix://" + sys.argv[1]).encode()
check = sys.argv[2] == "1"
found = {}
for entry in os.listdir("/proc"):
    if not entry.isdigit() or int(entry) == os.getpid():
        continue
    try:
        with open("/proc/%s/environ" % entry, "rb") as f:
            env = f.read().split(b"\0")
    except OSError:
        continue
    if b"SUPERVISOR_ENABLED=1" in env and url in env:
        names = [
            v.split(b"=", 1)[1].decode("utf-8", "replace") for v in env if v.startswith(b"SUPERVISOR_PROCESS_NAME=")
        ]
        # A program sets its own environment: only a name is printed.
        name = names[0] if names else ""
        found[int(entry)] = name if re.match(r"[A-Za-z0-9_.:-]{1,128}\Z", name) else "pid " + entry
if found and not check:
    for pid in found:
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGTERM)
            else:
                os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.time() + 5
    while time.time() < deadline and any(os.path.exists("/proc/%d" % p) for p in found):
        time.sleep(0.05)
    for pid in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
print(" ".join(sorted(set(found.values()))))
