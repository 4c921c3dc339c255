"""Runs the shared cases (bindings/cases.json) and prints one canonical
JSON line per case, like `supd call --cases`."""

import json
import sys

from supervision_host import SupervisionProvider, canonical_text

component, cases_path = sys.argv[1], sys.argv[2]
provider = SupervisionProvider(component)
with open(cases_path, encoding="utf-8") as f:
    cases = json.load(f)
for case in cases:
    print(canonical_text({"name": case["name"], "result": provider.call(case["function"], case["args"])}))
