"""One converge through the Python package, for the converge benchmark:
N sleep programs (program 0's command depends on VARIANT), supervisor
4.3.0 from PyPI, on a sandbox directory or over SSH. Prints the report's
outcome, changed steps and round trips as JSON.

    converge.py local ROOT N VARIANT
    converge.py ssh PORT KEY KNOWN_HOSTS PREFIX N VARIANT
"""

import json
import sys

from supervision import LocalRunner, SSHRunner, converge


def services(n, variant):
    out = {}
    for i in range(n):
        command = 200_000 + variant if i == 0 else 100_000 + i
        out[f"p{i}"] = {"settings": {"command": f"sleep {command}", "startsecs": 0}}
    return out


def main(argv):
    settings = {"install": {"strategy": "pip", "version": "4.3.0"}}
    if argv[0] == "local":
        root, n, variant = argv[1], int(argv[2]), int(argv[3])
        report = converge(settings, services(n, variant), LocalRunner(), root=root)
    else:
        port, key, known_hosts, prefix, n, variant = argv[1:7]
        settings["prefix"] = prefix
        with SSHRunner("root@127.0.0.1", port=int(port), identity=key, known_hosts=known_hosts) as run:
            report = converge(settings, services(int(n), int(variant)), run)
    report.raise_for_outcome()
    print(json.dumps({"outcome": report.outcome, "changed": report.changed, "round_trips": report.round_trips}))


if __name__ == "__main__":
    main(sys.argv[1:])
