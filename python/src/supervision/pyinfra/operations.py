"""The operations: plans made on the controller from the host's facts; the
host runs one apply script, or nothing when nothing differs."""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Sequence

from pyinfra import host
from pyinfra.api import StringCommand, operation

from .._exceptions import ProviderError
from .._report import Report, RunResult
from ._shared import fail, settings_text, supervision
from .facts import SupervisordFacts


class ApplyScript(StringCommand):
    """`sh -s` with the apply script on its standard input (any size, no
    temporary file). When it has run, its report is logged step by step and
    a failed step fails the host."""

    def __init__(self, plan: dict, options: dict, script: str, facts: dict, facilities: tuple):
        super().__init__("sh", "-s", _stdin=script)
        self._plan, self._options, self._facts = plan, options, facts
        self._facilities = facilities
        #: The report, once the script ran.
        self.report: Optional[Report] = None

    def execute(self, state: Any, host: Any, connector_arguments: Any) -> Any:
        ok, output = super().execute(state, host, connector_arguments)
        result = RunResult(
            stdout="\n".join(output.stdout_lines) + "\n",
            exit_code=0 if ok else 1,
            stderr="\n".join(output.stderr_lines),
        )
        self.report = supervision(self._facilities).report(
            self._plan, self._options, result, round_trips=2, facts=self._facts
        )
        for step in self.report.steps:
            if step.status in ("changed", "failed"):
                host.log(f"{step.status}: {step.what}: {step.message}")
        for program in self.report.programs:
            if program.reason and program.state != "RUNNING":
                host.log(f"{program.name} {program.state}: {program.reason}")
        if self.report.failed:
            host.log_styled(self.report.error or "failed", fg="red")
            return False, output
        return ok, output


def _facts(settings: str, programs: Sequence[dict], root: str) -> Optional[dict]:
    return host.get_fact(
        SupervisordFacts, settings=settings, programs=json.dumps(list(programs)), root=root
    )


@operation()
def supervisord(
    settings: Optional[Mapping[str, Any]] = None,
    services: Optional[Mapping[str, Any]] = None,
    facilities: Sequence[str] = (),
    root: str = "/",
):
    """
    Install supervisord and make it run exactly `services`.

    + settings: the provider's settings (install strategy, user, paths, ...)
    + services: name -> {"settings": {...}, "facility": "generic" | "app-deploy" | ...}
    + facilities: paths of more facility components (.wasm)
    + root: the directory that stands for the host's root (sandboxes)

    Only what differs changes; only programs whose configuration changed
    restart; stale programs are removed.
    """
    facilities = tuple(str(f) for f in facilities)
    sup = supervision(facilities)
    try:
        prepared = sup.prepare(settings_text(settings), dict(services or {}), root=root)
    except ProviderError as error:
        fail(host, f"supervisord: {error.field}: {error.message}")
        return
    facts = _facts(prepared.settings, [p.program for p in prepared.programs], root)
    if facts is None:
        return  # the fact failed; pyinfra has failed the host already
    try:
        plan = sup.plan(prepared, facts)
        options = sup.script_options(title="supervisord-crate (pyinfra)")
        script = sup.apply_script(plan, options)
    except ProviderError as error:
        fail(host, f"supervisord: {error.field}: {error.message}")
        return
    if not plan["steps"]:
        host.noop("supervisord: nothing differs")
        return
    yield ApplyScript(plan, options, script, facts, facilities)


@operation(is_idempotent=False)
def supervisord_service(
    service: str,
    action: str = "restart",
    if_stopped: bool = False,
    signal: Optional[str] = None,
    settings: Optional[Mapping[str, Any]] = None,
    root: str = "/",
):
    """
    One service action with the seed's semantics.

    + service: a program, a group, `group:program`, or `*` (or `all`)
    + action: start, stop, restart, status, enable, disable or signal
    + if_stopped: with restart, start a stopped program and leave a running one
    + signal: the signal for `signal`, such as HUP
    + settings: the provider settings the host was converged with

    Starting a running program and stopping a stopped one yield nothing.
    """
    sup = supervision()
    name = "*" if service == "all" else service
    try:
        check = sup.service_options(action, if_stopped=if_stopped, signal=signal)
        prepared = sup.prepare(settings_text(settings), {}, root=root)
    except ProviderError as error:
        fail(host, f"supervisord_service: {error.field}: {error.message}")
        return
    facts = _facts(prepared.settings, [], root)
    if facts is None:
        return
    try:
        plan = sup.provider.service_plan(prepared.settings, facts, name, action, check)
        options = sup.script_options(title="supervisord-crate (pyinfra)")
        script = sup.apply_script(plan, options)
    except ProviderError as error:
        fail(host, f"supervisord_service: {error.field}: {error.message}")
        return
    if not plan["steps"]:
        host.noop(f"supervisord: {service} needs no {action}")
        return
    yield ApplyScript(plan, options, script, facts, ())
