"""Runs the shared cases (bindings/cases.json) through the Python package
and prints one canonical JSON line per case, like `supd call --cases`.

    python run_cases.py CASES.json   (components from the package, or from
                                      $SUPERVISION_COMPONENTS_DIR)
"""

import json
import sys

from supervision import NodeScript, Provider, Runtime
from supervision._canonical import canonical_text

runtime = Runtime(cache_dir=False)
components = {"provider": Provider(runtime=runtime), "node-script": NodeScript(runtime=runtime)}
with open(sys.argv[1], encoding="utf-8") as f:
    cases = json.load(f)
for case in cases:
    component = components[case.get("component", "provider")]
    print(canonical_text({"name": case["name"], "result": component.call(case["function"], case["args"])}))
