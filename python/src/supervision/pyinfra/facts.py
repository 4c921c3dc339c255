"""The fact: the node-script facts script as its command, its output parsed
by the component into the host's `node-facts` (canonical JSON)."""

from __future__ import annotations

import json
from typing import Optional

from pyinfra.api import FactBase
from pyinfra.api.exceptions import FactProcessError

from .._exceptions import ProviderError
from ._shared import supervision


class SupervisordFacts(FactBase):
    """What supervisord-crate reads on a host for these settings: files,
    packages, virtual environments, supervisord's processes and pending
    configuration, in one command that only reads."""

    def command(self, settings: str = "{}", programs: str = "[]", root: str = "/", declaration: str = "{}") -> str:
        # The same instance runs `process`, so the probes made here parse
        # the output there. `programs` and `declaration` are JSON (fact
        # arguments are text); no declaration is one that owns the daemon.
        sup = supervision()
        self._root = root
        declared = {"scope": "", "role": "daemon", "exclusive": False, "absent": []}
        declared.update(json.loads(declaration))
        self._probes = sup.provider.probes(settings, declared, json.loads(programs), root)
        return sup.node_script.facts_script(self._probes)

    def process(self, output: list) -> Optional[dict]:
        text = "\n".join(output) + "\n"
        try:
            return supervision().node_script.parse_facts(
                self._probes, self._root, {"stdout": text, "stderr": "", "exit-code": 0}
            )
        except ProviderError as error:
            raise FactProcessError(error.message) from None

    @staticmethod
    def default() -> Optional[dict]:
        return None
