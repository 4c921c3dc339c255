"""The operations: plans made on the controller from the host's facts; the
host runs one apply script, or nothing when nothing differs."""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Sequence

from pyinfra import host
from pyinfra.api import StringCommand, operation

from .._converge import PROGRAM_STATES, Prepared, declaration
from .._exceptions import ProviderError, SupervisionError
from .._report import Report, RunResult
from .._visible import visible
from ._shared import Components, components, fail, settings_text, supervision
from .facts import SupervisordFacts


class ApplyScript(StringCommand):
    """`sh -s` with the apply script on its standard input (any size, no
    temporary file). When it has run, its report is logged step by step and
    a failed step fails the host."""

    def __init__(self, plan: dict, options: dict, script: str, facts: dict, facilities: Components):
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
                host.log(visible(f"{step.status}: {step.what}: {step.message}"))
        for program in self.report.programs:
            if program.reason and program.state != "RUNNING":
                host.log(visible(f"{program.name} {program.state}: {program.reason}"))
        if self.report.failed:
            host.log_styled(visible(self.report.error or "failed"), fg="red")
            return False, output
        return ok, output


def _facts(prepared: Prepared) -> Optional[dict]:
    return host.get_fact(
        SupervisordFacts,
        settings=prepared.settings,
        programs=json.dumps([p.program for p in prepared.programs]),
        root=prepared.root,
        declaration=json.dumps(prepared.declaration, sort_keys=True),
    )


def _converge(sup: Any, label: str, prepared: Prepared, facilities: Components):
    """The apply script of `prepared` on this host (nothing when nothing
    differs); returns the host's facts, or None when they failed."""
    facts = _facts(prepared)
    if facts is None:
        return None, None  # the fact failed; pyinfra has failed the host already
    try:
        plan = sup.plan(prepared, facts)
        options = sup.script_options(title="supervisord-crate (pyinfra)")
        script = sup.apply_script(plan, options)
    except ProviderError as error:
        fail(host, f"{label}: {error.field}: {error.message}")
        return None, None
    if not plan["steps"]:
        return facts, None
    return facts, ApplyScript(plan, options, script, facts, facilities)


@operation()
def supervisord(
    settings: Optional[Mapping[str, Any]] = None,
    services: Optional[Mapping[str, Any]] = None,
    scope: Optional[str] = None,
    exclusive: bool = False,
    facilities: Sequence[Any] = (),
    accept_unpinned: Sequence[str] = (),
    root: str = "/",
):
    """
    Install supervisord and make it run exactly `services` of `scope`.

    + settings: the provider's settings (install strategy, user, paths, ...)
    + services: name -> {"settings": {...}, "facility": "generic" | "app-deploy" | ...}
    + scope: who declares them (default "default"); only the scope's programs that are
      no longer wanted are removed, other scopes' stay
    + exclusive: own every program supervisord-crate manages on this supervisord
    + facilities: more facility components (.wasm): each a path, or {"path", "sha256",
      "grant"} (its digest, checked before it loads; what its programs may do)
    + accept_unpinned: names of facility components that may load without a sha256
    + root: the directory that stands for the host's root (sandboxes)

    Only what differs changes; only programs whose configuration changed
    restart; the scope's stale programs are removed.
    """
    facilities = components(facilities, accept_unpinned)
    try:
        sup = supervision(facilities)
        prepared = sup.prepare(
            settings_text(settings),
            dict(services or {}),
            root=root,
            declaration=declaration(scope, "daemon", exclusive),
        )
    except ProviderError as error:
        fail(host, f"supervisord: {error.field}: {error.message}")
        return
    except SupervisionError as error:
        fail(host, f"supervisord: {error}")
        return
    facts, script = _converge(sup, "supervisord", prepared, facilities)
    if facts is None:
        return
    if script is None:
        host.noop("supervisord: nothing differs")
        return
    yield script


@operation()
def supervisord_program(
    program: str,
    state: str = "present",
    facility: str = "generic",
    settings: Optional[Mapping[str, Any]] = None,
    facilities: Sequence[Any] = (),
    accept_unpinned: Sequence[str] = (),
    root: str = "/",
):
    """
    One program on its own, added to the supervisord the host records.

    + program: its name
    + state: present, absent, started, stopped or restarted (present, then that)
    + facility: who maps `settings` (generic: supervisord's program keys)
    + settings: the facility's settings, such as {"command": ...}
    + facilities: more facility components (.wasm): each a path, or {"path", "sha256",
      "grant"} (its digest, checked before it loads; what its programs may do)
    + accept_unpinned: names of facility components that may load without a sha256
    + root: the directory that stands for the host's root (sandboxes)

    Each program is a scope of its own (`program:<name>`): operations for
    different programs compose without knowing each other, and a program
    another declaration owns is refused, naming its scope.
    """
    facilities = components(facilities, accept_unpinned)
    try:
        sup = supervision(facilities)
    except SupervisionError as error:
        fail(host, f"supervisord_program: {error}")
        return
    name = program
    if state not in PROGRAM_STATES:
        fail(host, f"supervisord_program: state: {state!r} is not one of {', '.join(PROGRAM_STATES)}")
        return
    absent = state == "absent"
    services = {} if absent else {name: {"facility": facility, "settings": dict(settings or {})}}
    try:
        prepared = sup.prepare(
            "{}",
            services,
            root=root,
            declaration=declaration(f"program:{name}", "programs", absent=[name] if absent else []),
        )
    except ProviderError as error:
        fail(host, f"supervisord_program: {error.field}: {error.message}")
        return
    facts, script = _converge(sup, "supervisord_program", prepared, facilities)
    if facts is None:
        return
    if script is not None:
        yield script
    action = {"started": "start", "stopped": "stop", "restarted": "restart"}.get(state)
    # A program whose configuration changed was just (re)started by it.
    if action is None or (script is not None and state != "stopped"):
        if script is None:
            host.noop(f"supervisord_program: {name} is as declared")
        return
    # supervisord's own list of every process, which says what is stopped
    # (facts read for a converge list only what runs).
    states = _facts(sup.prepare("{}", {}, root=root))
    if states is None:
        return
    check = {"if-stopped": False, "signal": None}
    service = _service_script(sup, "supervisord_program", states, name, action, check)
    if service is not None:
        yield service
    elif script is None:
        host.noop(f"supervisord_program: {name} is {state}")


def _service_script(sup: Any, label: str, facts: dict, name: str, action: str, check: dict):
    """The script of one service action from `facts`, or None when it would
    change nothing (or was refused: the host is failed)."""
    try:
        plan = sup.provider.service_plan("{}", facts, name, action, check)
        options = sup.script_options(title="supervisord-crate (pyinfra)")
        script = sup.apply_script(plan, options)
    except ProviderError as error:
        fail(host, f"{label}: {error.field}: {error.message}")
        return None
    if not plan["steps"]:
        return None
    return ApplyScript(plan, options, script, facts, components())


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
    + settings: where supervisord lives; by default the supervisord the host records

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
    facts = _facts(prepared)
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
    yield ApplyScript(plan, options, script, facts, components())
