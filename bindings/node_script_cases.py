"""Rebuilds the node-script cases (names starting `ns-`) and the
declaration cases (`decl-`: services read, errors placed, scopes refused)
of bindings/cases.json: their arguments come from the provider's own
answers (`supd call`), so they follow the WIT when it changes. Run from the
workspace root after `cargo build -p host-harness`:

    python3 bindings/node_script_cases.py

The cases are inputs only: tests/all/bindings.rs checks that every host
(supd, jco, wasmtime-py) gives the same answer to each.
"""

import base64
import hashlib
import json
import subprocess

cases = json.load(open("bindings/cases.json"))
decl = {"scope": "", "role": "daemon", "exclusive": False, "absent": []}
by = {c["name"]: c for c in cases}


def call(component, fn, *args):
    out = subprocess.run(
        ["target/debug/supd", "call", "--component", component, fn] + [json.dumps(a) for a in args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


install = call("provider", "install-plan", *by["install-plan-debian-packages"]["args"])["val"]
configure = call("provider", "configure-plan", *by["configure-plan-fresh"]["args"])["val"]
probes = call("provider", "probes", "{}", decl, [], "/")["val"]
web_program = by["configure-plan-fresh"]["args"][2][0]
probes_running = call("provider", "probes", "{}", decl, [web_program], "/")["val"]
assert probes_running["running"], probes_running
merged = call("node-script", "converge-plan", install, configure)
facts = None
opts = {
    "check": False,
    "diff": False,
    "title": "shared case\nsecond line",
    "max-steps": None,
    "max-bytes": None,
    "lock-wait-secs": 60,
}
check_diff = dict(opts, check=True, diff=True)
tight = dict(opts, **{"max-steps": 3})
reload_xml = ""
procs_xml = "<?xml version='1.0'?><methodResponse><params><param><value><array><data><value><struct><member><name>name</name><value><string>worker</string></value></member><member><name>group</name><value><string>jobs</string></value></member><member><name>statename</name><value><string>FATAL</string></value></member><member><name>pid</name><value><int>0</int></value></member><member><name>description</name><value><string>Exited too quickly (process log may have details)</string></value></member><member><name>spawnerr</name><value><string>can't find command '/no/such'</string></value></member><member><name>exitstatus</name><value><int>0</int></value></member></struct></value></data></array></value></param></params></methodResponse>"


def b(t):
    return base64.b64encode(t.encode()).decode()


sock = probes["sockets"][0]
facts_out = (
    "rpc\t"
    + sock
    + "\tsupervisor.getAllProcessInfo\t"
    + b(procs_xml)
    + '\nos\tID\tdebian\nos\tVERSION_ID\t"12"\ninit\tnone\npython\t/usr/bin/python3\t3.11.2\nlogin\troot\t0\nsha\t'
    + "a" * 64
    + "\t/etc/supervisor/supervisord.conf\nhead\t/etc/supervisor/supervisord.conf\t; Managed by supervisord-crate: edits here are overwritten.\nstat\t644\troot\troot\t120\tregular file\t/etc/supervisor/supervisord.conf\nmissing\t/etc/supervisor/conf.d\nproc\t/var/run/supervisord.pid\t42\t1\npkg\tsupervisor\tinstall ok installed\t4.2.5-1\ndone\n"
)
web_conf = next(
    s["desired"]["val"]
    for s in merged["steps"]
    if s["desired"]["tag"] == "file" and s["desired"]["val"]["path"].endswith("web.conf")
)
idx = next(
    i
    for i, s in enumerate(merged["steps"])
    if s["desired"]["tag"] == "file" and s["desired"]["val"]["path"].endswith("web.conf")
)
old = base64.b64encode(
    b'; Managed by supervisord-crate: edits here are overwritten.\n[program:web]\ncommand=old\nenvironment=GREETING="old secret"\n'
).decode()
report_out = (
    "".join(f"@supd\t{i}\tok\t\n" for i in range(idx))
    + f"@supd-old\t{idx}\t{old}\n@supd\t{idx}\tchanged\twould write: content changed\n"
    + "".join(f"@supd\t{i}\tok\t\n" for i in range(idx + 1, len(merged["steps"])))
)
status_plan = call(
    "provider",
    "service-plan",
    "{}",
    by["install-plan-debian-packages"]["args"][2],
    "*",
    "status",
    {"if-stopped": False, "signal": None},
)["val"]
status_out = (
    "@supd-out\t0\t"
    + base64.b64encode(b"web      RUNNING   pid 42, uptime 0:00:05\njobs:worker  FATAL  Exited too quickly\n").decode()
    + "\n@supd\t0\tfailed\tjobs:worker FATAL\n"
)
bad_plan = {
    "steps": [
        {
            "desired": {"tag": "absent", "val": {"path": "/x", "staged": False}},
            "reason": "r",
            "when": {"tag": "changed", "val": [0]},
        }
    ]
}
facts = call("node-script", "parse-facts", probes, "/", {"stdout": facts_out, "stderr": "", "exit-code": 0})["val"]
new = [
    {"name": "ns-facts-script", "component": "node-script", "function": "facts-script", "args": [probes]},
    {
        "name": "ns-parse-facts",
        "component": "node-script",
        "function": "parse-facts",
        "args": [probes, "/", {"stdout": facts_out, "stderr": "", "exit-code": 0}],
    },
    {
        "name": "ns-facts-script-running",
        "component": "node-script",
        "function": "facts-script",
        "args": [probes_running],
    },
    {
        "name": "ns-parse-facts-process-table",
        "component": "node-script",
        "function": "parse-facts",
        "args": [
            probes_running,
            "/",
            {
                "stdout": "table\t"
                + sock
                + "\nlive\t"
                + sock
                + "\tweb\tweb\t4242\t90061\n"
                + facts_out.split("\n", 1)[1],
                "stderr": "",
                "exit-code": 0,
            },
        ],
    },
    {
        "name": "ns-parse-facts-cut-short",
        "component": "node-script",
        "function": "parse-facts",
        "args": [probes, "/", {"stdout": "init\tnone\n", "stderr": "sh: 9: Syntax error\n", "exit-code": 2}],
    },
    {"name": "ns-converge-plan", "component": "node-script", "function": "converge-plan", "args": [install, configure]},
    {"name": "ns-apply-script", "component": "node-script", "function": "apply-script", "args": [merged, opts]},
    {
        "name": "ns-apply-script-check-diff",
        "component": "node-script",
        "function": "apply-script",
        "args": [merged, check_diff],
    },
    {
        "name": "ns-apply-script-over-limit",
        "component": "node-script",
        "function": "apply-script",
        "args": [merged, tight],
    },
    {
        "name": "ns-apply-script-forward-condition",
        "component": "node-script",
        "function": "apply-script",
        "args": [bad_plan, opts],
    },
    {
        "name": "ns-parse-report-diff",
        "component": "node-script",
        "function": "parse-report",
        "args": [merged, check_diff, {"stdout": report_out, "stderr": "", "exit-code": 0}, None],
    },
    {
        "name": "ns-parse-report-not-run",
        "component": "node-script",
        "function": "parse-report",
        "args": [merged, opts, None, facts],
    },
    {
        "name": "ns-parse-report-killed",
        "component": "node-script",
        "function": "parse-report",
        "args": [merged, opts, {"stdout": "@supd\t0\tok\t\n", "stderr": "Killed\n", "exit-code": None}, None],
    },
    {
        "name": "ns-parse-report-status",
        "component": "node-script",
        "function": "parse-report",
        "args": [status_plan, opts, {"stdout": status_out, "stderr": "", "exit-code": 1}, None],
    },
    {
        "name": "ns-parse-report-touched-groups",
        "component": "node-script",
        "function": "parse-report",
        "args": [
            merged,
            opts,
            {
                "stdout": "@supd\t0\tchanged\tstarted\n@supd-proc1\t"
                + b(
                    procs_xml.replace("<value><array><data><value>", "<value>").replace(
                        "</value></data></array></value>", "</value>"
                    )
                )
                + "\n",
                "stderr": "",
                "exit-code": 0,
            },
            facts,
        ],
    },
    {
        "name": "ns-parse-report-procs-and-tails",
        "component": "node-script",
        "function": "parse-report",
        "args": [
            merged,
            opts,
            {
                "stdout": "@supd\t0\tfailed\tnot running: jobs:worker FATAL\n@supd-procs\t"
                + b(procs_xml)
                + "\n@supd-tail\tjobs:worker\tstderr\t"
                + b(
                    "<?xml version='1.0'?><methodResponse><params><param><value><array><data><value><string>"
                    + "".join(f"line {i}\n" for i in range(15))
                    + "token h\u00e9llo, world = 100%</string></value><value><int>99</int></value><value><boolean>0</boolean></value></data></array></value></param></params></methodResponse>"
                )
                + "\n",
                "stderr": "",
                "exit-code": 1,
            },
            None,
        ],
    },
]
# Declarations: services read and refused, errors placed at their
# service, scopes and daemons that another declaration owns refused.
services = {
    "web": {"settings": {"command": "sleep 1"}},
    "api": {"facility": "app-deploy", "settings": {"run-command": "api", "port": 80}},
}
requests = call("node-script", "requests", "supervisord", json.dumps(services))["val"]
web_req = [r for r in requests if r["key"] == "web"]
web_prog = call("provider", "config-map", "generic", web_req[0]["settings"])
not_impl = call("provider", "config-map", "app-deploy", "{}")
sandbox_decl = dict(decl)
root = "/n"
sandbox = {
    "gathered": True,
    "root": root,
    "os": {"id": "debian", "version-id": "12", "id-like": []},
    "init": "none",
    "login": {"user": "dev", "uid": 1000},
    "python": {"path": "/usr/bin/python3", "version": "3.11.2"},
    "paths": [],
    "processes": [],
    "packages": [],
    "venv-packages": [],
    "supervisors": [],
    "watched": [],
    "records": [],
}
first = call("provider", "configure-plan", "{}", decl, [web_prog["val"]], sandbox)["val"]
location_path = "/n/var/lib/supervisord-crate/location"
location = next(
    s["desired"]["val"]["content"]
    for s in first["steps"]
    if s["desired"]["tag"] == "file" and s["desired"]["val"]["path"] == location_path
)
web_file = next(
    s["desired"]["val"]
    for s in first["steps"]
    if s["desired"]["tag"] == "file" and s["desired"]["val"]["path"].endswith("/web.conf")
)


def file_fact(path, content):
    return {
        "path": path,
        "kind": {
            "tag": "file",
            "val": {
                "sha256": hashlib.sha256(content.encode()).hexdigest(),
                "size": len(content.encode()),
                "head": content.split("\n")[0][:256],
            },
        },
        "mode": 0o644,
        "owner": "dev",
        "group": "dev",
    }


converged = dict(
    sandbox,
    paths=[
        file_fact(location_path, location),
        file_fact(web_file["path"], web_file["content"]),
        {
            "path": "/n/opt/supervisord/etc/conf.d",
            "kind": {"tag": "directory"},
            "mode": 0o755,
            "owner": "dev",
            "group": "dev",
        },
    ],
    records=[{"path": location_path, "content": location}],
)
jobs = {"scope": "jobs", "role": "programs", "exclusive": False, "absent": []}
new += [
    {
        "name": "decl-requests",
        "component": "node-script",
        "function": "requests",
        "args": ["supervisord", json.dumps(services)],
    },
    {
        "name": "decl-requests-unknown-key",
        "component": "node-script",
        "function": "requests",
        "args": ["supervisord", '{"web": {"setings": {"command": "x"}}}'],
    },
    {
        "name": "decl-requests-other-supervisor",
        "component": "node-script",
        "function": "requests",
        "args": ["supervisord", '{"web": {"supervisor": "runit"}}'],
    },
    {
        "name": "decl-programs-mapping-error",
        "component": "node-script",
        "function": "programs",
        "args": [requests, [not_impl, web_prog]],
    },
    {
        "name": "decl-service-error",
        "component": "node-script",
        "function": "service-error",
        "args": [
            web_req,
            [web_prog["val"]],
            {"field": "programs[web].user", "kind": "invalid-value", "message": "no such user"},
        ],
    },
    {"name": "decl-probes-bad-scope", "function": "probes", "args": ["{}", dict(decl, scope="a b"), [], "/"]},
    {"name": "decl-probes-programs-with-settings", "function": "probes", "args": ['{"user": "x"}', jobs, [], "/"]},
    {
        "name": "decl-configure-plan-second-scope",
        "function": "configure-plan",
        "args": ["{}", jobs, [dict(web_prog["val"], name="worker")], converged],
    },
    {
        "name": "decl-configure-plan-conflict",
        "function": "configure-plan",
        "args": ["{}", jobs, [web_prog["val"]], converged],
    },
    {
        "name": "decl-install-plan-other-daemon",
        "function": "install-plan",
        "args": ['{"supervisord": {"loglevel": "debug"}}', dict(jobs, role="daemon"), converged],
    },
    {
        "name": "decl-configure-plan-no-record",
        "function": "configure-plan",
        "args": ["{}", jobs, [web_prog["val"]], sandbox],
    },
]
cases = [c for c in cases if not c["name"].startswith(("ns-", "decl-"))] + new
json.dump(cases, open("bindings/cases.json", "w"), indent=1, ensure_ascii=False)
open("bindings/cases.json", "a").write("\n")
print(len(cases))
