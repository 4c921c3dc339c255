"""The lifecycle walk's Python host: converges a sandbox node with the
Python package and prints what its report says, as JSON.

    python converge.py SETTINGS.json SERVICES.json ROOT SCOPE [FACILITIES.json]

FACILITIES.json, when given, is the list `Supervision(facilities=...)`
takes (the facility tests load their built components with it).
"""

import json
import sys

from supervision import LocalRunner, converge

with open(sys.argv[1], encoding="utf-8") as f:
    settings = json.load(f)
with open(sys.argv[2], encoding="utf-8") as f:
    services = json.load(f)
facilities = []
if len(sys.argv) > 5:
    with open(sys.argv[5], encoding="utf-8") as f:
        facilities = json.load(f)
report = converge(settings, services, LocalRunner(), root=sys.argv[3], scope=sys.argv[4], facilities=facilities)
print(
    json.dumps(
        {
            "outcome": report.outcome,
            "changed": report.changed,
            "round_trips": report.round_trips,
            "error": report.error,
        }
    )
)
