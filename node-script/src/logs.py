# The logs script's Python part: argv is program, stream, lines, follow,
# then the sockets to try.
import os
import stat
import sys
import time
import xmlrpc.client

program, stream, lines, follow = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
path = next((s for s in sys.argv[5:] if os.path.exists(s) and stat.S_ISSOCK(os.stat(s).st_mode)), None)


def fail(why):
    print("@supd-error\t" + why)
    sys.exit(3)


def call(method, *params):
    return xmlrpc.client.loads(rpc(path, method, 10, params).decode("utf-8", "replace"))[0][0]


if path is None:
    fail("no supervisord answers on " + (" ".join(sys.argv[5:]) or "any socket"))
try:
    processes = call("supervisor.getAllProcessInfo")
except (OSError, xmlrpc.client.Error) as e:
    fail("supervisord does not answer on %s: %s" % (path, e))
names = []
for p in processes:
    full = p["group"] + ":" + p["name"]
    if program in ("*", "all", full, p["group"]) or (program == p["name"] and p["name"] == p["group"]):
        names.append(full)
if not names:
    fail("supervisord runs no program %s" % program)
method = "supervisor.tailProcess%sLog" % stream.capitalize()
offsets = {}
for name in names:
    data, offset, overflow = call(method, name, 0, 65536)
    offsets[name] = offset
    shown = data.splitlines()[-lines:] if lines else []
    for line in shown:
        print("@supd-log\t%s\t%s" % (name, line))
# tail* returns the last bytes whatever the offset; read* from an offset
# to the end (length 0) gives what was written since.
read = "supervisor.readProcess%sLog" % stream.capitalize()
pending = dict.fromkeys(names, "")
while follow:
    time.sleep(0.5)
    for name in names:
        data = call(read, name, offsets[name], 0)
        if data:
            offsets[name] += len(data.encode("utf-8", "surrogateescape"))
            lines = (pending[name] + data).split("\n")
            pending[name] = lines.pop()
            for line in lines:
                print("@supd-log\t%s\t%s" % (name, line))
