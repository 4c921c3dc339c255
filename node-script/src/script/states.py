# Prints, when the script ends (however it ends), what the supervisord it
# talked to runs, for the report:
#   @supd-procs<TAB><base64 getAllProcessInfo response>
# or, when every group it acted on is a lone program, one line per group:
#   @supd-proc1<TAB><base64 getProcessInfo response>
#   @supd-tail<TAB>group:name<TAB>stdout|stderr<TAB><base64 tail response>
# with the end of both logs of every process that is FATAL, BACKOFF or
# EXITED, so a report can say why it is not running.
import binascii
import sys

path, lone, touched = sys.argv[1], set(sys.argv[2].split(",")), sorted(set(sys.argv[3:]))


def b64(data):
    return binascii.b2a_base64(data, newline=False).decode()


# The groups the script touched, each with one small call, when each is a
# lone program; else every process.
single = process_infos(path, touched, 3) if touched and lone.issuperset(touched) else None
if single is None:
    data = rpc(path, "supervisor.getAllProcessInfo", 3)
    print("@supd-procs\t" + b64(data))
    bodies = [data]
else:
    for body in single:
        print("@supd-proc1\t" + b64(body))
    bodies = single
for fields in structs(b"".join(bodies)):
    if fields.get("statename") not in ("FATAL", "BACKOFF", "EXITED"):
        continue
    name = fields.get("group", "") + ":" + fields.get("name", "")
    for stream in ("stdout", "stderr"):
        method = "supervisor.tailProcess%sLog" % stream.capitalize()
        try:
            print("@supd-tail\t%s\t%s\t%s" % (name, stream, b64(rpc(path, method, 3, (name, 0, 4096)))))
        except OSError:
            pass
