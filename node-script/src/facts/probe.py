# The facts script's Python part, run by the node's python3 with -S (the
# standard library only), after rpc_client.py: prints the interpreter, the
# login, and for every supervisord socket given that exists its processes.
# Arguments: the sockets, "--", then the groups expected running as
# name=count.
#
# A supervisord (not PID 1) whose children are all of the expected
# processes is asked only its pid; the processes come from the process table, as
# table<TAB>socket then live<TAB>socket<TAB>group<TAB>name<TAB>pid<TAB>seconds
# up. (getAllProcessInfo makes supervisord send 4 KiB per turn of its main
# loop, and each turn visits every process: half a second at 1,000.) Any
# other supervisord is asked for every process, as
# rpc<TAB>socket<TAB>method<TAB>base64 response.
import binascii
import os
import pwd
import re
import stat
import sys

NAME = re.compile(r"[A-Za-z0-9_.:-]{1,128}\Z")
print("python\t%s\t%d.%d.%d" % ((sys.executable,) + tuple(sys.version_info[:3])))
uid = os.getuid()
try:
    user = pwd.getpwuid(uid).pw_name
except KeyError:
    user = str(uid)
print("login\t%s\t%d" % (user, uid))
args = sys.argv[1:]
split = args.index("--") if "--" in args else len(args)
sockets, expected = args[:split], {}
for item in args[split + 1 :]:
    name, _, count = item.rpartition("=")
    expected[name] = int(count)


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(c) for c in f.read().split()]
    except (OSError, ValueError):
        pass
    # A kernel without the children file: every process's parent.
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


def table(path):
    """The expected processes when supervisord's children are all of them,
    as (group, name, pid, seconds up); else None."""
    if not expected:
        return None
    answer = re.search(rb"<int>(\d+)</int>", rpc(path, "supervisor.getPID", 3))
    if not answer:
        return None
    pid = int(answer.group(1))
    # As PID 1, supervisord inherits what programs leave behind, which
    # carry their names too; a pid of another namespace is some other
    # program here.
    if pid == 1:
        return None
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        if b"supervisord" not in f.read():
            return None
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    tick = os.sysconf("SC_CLK_TCK")
    url = b"SUPERVISOR_SERVER_URL=unix://" + os.fsencode(path)
    found, counts = [], {}
    for child in children(pid):
        try:
            with open("/proc/%d/environ" % child, "rb") as f:
                env = f.read().split(b"\0")
            with open("/proc/%d/stat" % child) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # Children of another supervisord (a pid from another namespace)
        # name another server.
        if url not in env or fields[0] == "Z":
            continue
        names = dict(e.split(b"=", 1) for e in env if e.startswith(b"SUPERVISOR_") and b"=" in e)
        group = names.get(b"SUPERVISOR_GROUP_NAME", b"").decode("utf-8", "replace")
        name = names.get(b"SUPERVISOR_PROCESS_NAME", b"").decode("utf-8", "replace")
        if not group or not name:
            continue
        # A program sets its own environment: a name that is not a name
        # (a tab or a line break would forge facts lines) is not believed,
        # and then supervisord is asked instead.
        if not (NAME.match(group) and NAME.match(name)):
            return None
        counts[group] = counts.get(group, 0) + 1
        found.append((group, name, child, max(0, int(uptime - int(fields[19]) / tick))))
    if any(counts.get(group, 0) != count for group, count in expected.items()):
        return None
    return found


for path in sockets:
    try:
        if not stat.S_ISSOCK(os.stat(path).st_mode):
            continue
    except OSError:
        continue
    try:
        running = table(path)
    except Exception:
        running = None
    if running is not None:
        print("table\t%s" % path)
        for group, name, pid, up in running:
            print("live\t%s\t%s\t%s\t%d\t%d" % (path, group, name, pid, up))
        continue
    method = "supervisor.getAllProcessInfo"
    try:
        out = binascii.b2a_base64(rpc(path, method), newline=False).decode()
    except Exception:
        out = ""
    print("rpc\t%s\t%s\t%s" % (path, method, out))
