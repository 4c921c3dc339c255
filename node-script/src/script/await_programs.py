# Asks supervisord itself (rpc_client.py and xml_structs.py first: XML-RPC on its unix socket, python3 -S with the
# standard library only: a tenth of the start-up of supervisorctl) every 0.1 s
# until the processes of the given groups settle. Prints "ok NAMES" or
# "failed NAME STATE, ..." and exits 0 or 1. FATAL is final at once;
# STOPPED and EXITED right after an update are transient (the daemon
# starts new processes on its next tick), so they fail only after 3 s.
import sys
import time

path, limit, step, lone, groups = (
    sys.argv[1],
    float(sys.argv[2]),
    sys.argv[3],
    set(sys.argv[4].split(",")),
    set(sys.argv[5:]),
)


def processes():
    # One small call per group when each is a lone program.
    bodies = (lone.issuperset(groups) and process_infos(path, sorted(groups))) or [
        rpc(path, "supervisor.getAllProcessInfo")
    ]
    for fields in structs(b"".join(bodies)):
        if fields.get("group") in groups:
            name = fields["group"] + ":" + fields["name"]
            yield (fields["name"] if fields["name"] == fields["group"] else name), fields.get("statename", "UNKNOWN")


start = time.time()
shown = -1
while True:
    try:
        states = dict(processes())
    except OSError as e:
        states = {"supervisord": "UNREACHABLE (%s)" % e}
    waited = time.time() - start
    if int(waited) != shown:
        shown = int(waited)
        waiting = sorted(n for n, s in states.items() if s != "RUNNING")
        if waiting:
            sys.stderr.write(
                "@supd-progress\t%s\twaiting for %s RUNNING (%d/%d s)\n" % (step, " ".join(waiting), shown, limit)
            )
            sys.stderr.flush()
    bad = sorted("%s %s" % (n, s) for n, s in states.items() if s != "RUNNING")
    seen = {n.split(":")[0] for n in states} | {n for n in states}
    missing = sorted(g for g in groups if g not in seen)
    bad += ["%s MISSING" % g for g in missing]
    if not bad:
        print("ok " + " ".join(sorted(states)))
        sys.exit(0)
    final = [b for b in bad if b.endswith(" FATAL")]
    settled = [b for b in bad if b.split(" ")[1] in ("STOPPED", "EXITED", "UNKNOWN", "MISSING") or "UNREACHABLE" in b]
    if final or (settled and waited >= 3) or waited >= limit:
        print("failed " + ", ".join(bad))
        sys.exit(1)
    time.sleep(0.1)
