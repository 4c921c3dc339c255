"""`converge`, `service` and `status`: the whole apply, with the node
reached only through a runner.

    facts script  --run-->  output  -> facts
    facts + settings + programs      -> plan -> apply script --run--> report

Every input is checked (services mapped, programs checked, settings
probed, plans made) before the apply script is run; the facts script only
reads. An idempotent run is one round trip, a changing one two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from ._components import Facility, NodeScript, Provider, Settings
from ._exceptions import FactsError, PinError, ProviderError
from ._held import Held
from ._report import Report, RunResult
from ._runners import Runner
from ._runtime import Limits, Runtime

#: The service actions `service` takes, with the seed's semantics.
ACTIONS = ("start", "stop", "restart", "status", "enable", "disable", "signal")

#: Signals supervisord sends.
SIGNALS = ("term", "hup", "int", "quit", "kill", "usr1", "usr2", "cont", "stop", "winch")


#: The declaration roles: owning the daemon, or only adding programs.
ROLES = ("daemon", "programs")

#: A program's states in `Supervision.program` (as Ansible's and pyinfra's
#: program-level module and operation name them).
PROGRAM_STATES = ("present", "absent", "started", "stopped", "restarted")


@dataclass(frozen=True)
class Program:
    """A service mapped to a supervisord program: the service's name and the
    program, as the components take it (`value`: canonical JSON or `Held`);
    `program` reads it as canonical JSON."""

    service: str
    value: Union[dict, Held] = field(repr=False)

    @property
    def program(self) -> dict:
        return self.value.value() if isinstance(self.value, Held) else self.value


def declaration(
    scope: Optional[str] = None, role: str = "daemon", exclusive: bool = False, absent: Sequence[str] = ()
) -> dict:
    """A declaration as the components take it: who declares (`scope`,
    `default` when None), whether it owns the daemon (`role="daemon"`) or
    only adds programs (`role="programs"`), whether it owns every managed
    program (`exclusive`), and the programs that must not exist."""
    if role not in ROLES:
        raise ProviderError("role", "invalid-value", f"{role!r} is not one of {', '.join(ROLES)}")
    return {"scope": scope or "", "role": role, "exclusive": bool(exclusive), "absent": list(absent)}


@dataclass(frozen=True)
class Prepared:
    """Everything about a converge that does not need the node: settings,
    the declaration, programs, and the facts script to run."""

    settings: str
    root: str
    programs: Tuple[Program, ...]
    #: The provider's probe set, as the components take it.
    probe_set: Union[dict, Held] = field(repr=False)
    facts_script: str
    #: Who declares, and what it owns (see `declaration`).
    declaration: dict = field(default_factory=declaration)
    #: The services as node-script read them (`requests`).
    requests: Tuple[dict, ...] = ()

    @property
    def probes(self) -> dict:
        """The probe set as canonical JSON."""
        return self.probe_set.value() if isinstance(self.probe_set, Held) else self.probe_set


#: A facility as `Supervision` takes it: loaded, a path (unpinned), or
#: `{"path", "sha256", "grant"}` as a spec writes it.
FacilitySource = Union[Facility, str, Path, Mapping[str, Any]]


def _facility(source: FacilitySource, runtime: Runtime, index: int) -> Facility:
    """A facility loaded from what `Supervision(facilities=...)` was given."""
    if isinstance(source, Facility):
        return source
    if isinstance(source, (str, Path)):
        return Facility(source, runtime=runtime)
    if not isinstance(source, Mapping) or "path" not in source:
        raise ProviderError(f"facilities.{index}", "malformed", "a facility is a path or {path, sha256, grant}")
    unknown = sorted(set(source) - {"path", "sha256", "grant"})
    if unknown:
        raise ProviderError(
            f"facilities.{index}.{unknown[0]}", "unknown-field", "a facility has only path, sha256 and grant"
        )
    return Facility(source["path"], sha256=source.get("sha256"), grant=source.get("grant"), runtime=runtime)


class Supervision:
    """The components and their runtime, for many calls: a provider (the
    bundled supervisord one unless given), facilities (the bundled
    app-deploy one, then `facilities`, later ones first) and the node-script
    component. Use it as a context manager, or just drop it."""

    def __init__(
        self,
        *,
        provider: Union[Provider, str, Path, None] = None,
        facilities: Iterable[FacilitySource] = (),
        accept_unpinned: Iterable[str] = (),
        components: Union[str, Path, None] = None,
        cache_dir: Union[str, Path, None, bool] = None,
        limits: Limits = Limits(),
        runtime: Optional[Runtime] = None,
    ):
        if runtime is not None and (cache_dir is not None or limits != Limits()):
            raise TypeError("give a runtime, or cache_dir and limits for a new one, not both")
        self.runtime = runtime or Runtime(cache_dir=cache_dir, limits=limits)
        accepted = set(accept_unpinned)
        # `components`: a directory with supervisord.wasm, node-script.wasm
        # and app-deploy.wasm to use instead of the bundled ones (the
        # build's own, so pinned by it).
        self.provider = (
            provider
            if isinstance(provider, Provider)
            else Provider(provider if provider is not None else components, runtime=self.runtime)
        )
        bundled = Facility(components, runtime=self.runtime)
        bundled.pinned, bundled.grant = True, None
        self.facilities: List[Facility] = [bundled]
        for index, facility in enumerate(facilities):
            loaded = _facility(facility, self.runtime, index)
            if not loaded.pinned and loaded.name not in accepted:
                raise PinError(
                    f"facilities[{index}]: {loaded.label} is not pinned: give its sha256 "
                    f"({loaded.sha256}), or accept it unpinned with accept_unpinned=[{loaded.name!r}]"
                )
            self.facilities.insert(0, loaded)
        self.node_script = NodeScript(components, runtime=self.runtime)

    def __enter__(self) -> "Supervision":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    # -- before the node -------------------------------------------------

    def programs(self, services: Mapping[str, Any]) -> Tuple[Program, ...]:
        """Maps every service to a program and checks them all. A service is
        `{"facility": "generic", "settings": {...}, "supervisor":
        "supervisord"}` (only `settings` is needed); its `service-name`
        defaults to its key. Errors name `services.<key>.<field>`."""
        return self._programs(services)[1]

    def _programs(self, services: Mapping[str, Any]) -> "tuple[tuple, tuple]":
        if not isinstance(services, Mapping):
            raise ProviderError("services", "malformed", "services are a mapping of name to service")
        requests = tuple(self.node_script.requests(self.provider.name, _jsonable(services)))
        mapped = [self._config_map(r["facility"], r["supervisor"], r["settings"]) for r in requests]
        if not all(isinstance(m, Held) and m._is_ok() for m in mapped):
            # The component places the first error at its service.
            self.node_script.programs(requests, mapped)
        programs = tuple(Program(r["key"], m._split_result()[1]) for r, m in zip(requests, mapped))
        try:
            self.provider.check_programs([p.value for p in programs])
        except ProviderError as e:
            raise self._placed(e, requests, programs) from None
        return requests, programs

    def _placed(self, error: ProviderError, requests: Sequence[dict], programs: Sequence[Program]) -> ProviderError:
        """`error` placed at the service it is about (by node-script)."""
        placed = self.node_script.service_error(
            requests,
            [p.value for p in programs],
            {"field": error.field, "kind": error.kind, "message": error.message},
        )
        return ProviderError(placed["field"], placed["kind"], placed["message"], plugin=error.plugin, call=error.call)

    def _config_map(self, facility: str, supervisor: str, settings: str) -> Union[Held, dict]:
        """The result of mapping (held, or canonical JSON for a facility's
        refusal): facility components of that name first, their program
        read by the provider and held to their grant, then the provider's
        own mapping."""
        for component in self.facilities:
            if component.name != facility:
                continue
            result = component.config_map_result(supervisor, settings)
            if result["tag"] == "ok":
                return self.provider.facility_program_result(facility, result["val"], component.grant)
            if result["val"]["kind"] != "not-implemented":
                return result
        return self.provider.config_map_result(facility, settings)

    def prepare(
        self,
        settings: Optional[Settings],
        services: Mapping[str, Any],
        *,
        root: str = "/",
        declaration: Optional[dict] = None,
    ) -> Prepared:
        """Checks everything that needs no node and makes the facts script."""
        from ._components import settings_text

        if not root.startswith("/"):
            raise ProviderError("root", "invalid-value", f"{root!r} is not an absolute path on the node")
        declared = declaration if declaration is not None else _declaration()
        text = settings_text(settings)
        requests, programs = self._programs(services)
        try:
            probes = self.provider.probes(text, declared, [p.value for p in programs], root, keep=True)
        except ProviderError as e:
            raise self._placed(e, requests, programs) from None
        return Prepared(text, root, programs, probes, self.node_script.facts_script(probes), declared, requests)

    # -- on the node -----------------------------------------------------

    def facts(self, prepared: Prepared, output: Union[RunResult, tuple], *, keep: bool = False) -> Any:
        """The node's facts from the facts script's output (canonical JSON,
        or with `keep` as the component gave them)."""
        output = RunResult.of(output)
        try:
            return self.node_script.parse_facts(prepared.probe_set, prepared.root, output.canonical(), keep=keep)
        except ProviderError as e:
            raise FactsError(e.message, stderr=output.stderr) from None

    def plan(self, prepared: Prepared, facts: Union[dict, Held], *, keep: bool = False) -> Any:
        """The converge plan for these facts (errors name the service)."""
        try:
            install = self.provider.install_plan(prepared.settings, prepared.declaration, facts, keep=True)
            configure = self.provider.configure_plan(
                prepared.settings, prepared.declaration, [p.value for p in prepared.programs], facts, keep=True
            )
        except ProviderError as e:
            raise self._placed(e, prepared.requests, prepared.programs) from None
        return self.node_script.converge_plan(install, configure, keep=keep)

    def script_options(
        self, *, check: bool = False, diff: bool = False, title: str = "", lock_wait: Optional[int] = None
    ) -> dict:
        """How an apply script runs; bounds left None are the component's."""
        limits = self.runtime.limits
        return {
            "check": check,
            "diff": diff,
            "title": title or "supervisord-crate (Python)",
            "max-steps": limits.max_plan_steps,
            "max-bytes": limits.max_plan_bytes,
            "lock-wait-secs": lock_wait,
        }

    def apply_script(self, plan: Union[dict, Held], options: dict) -> str:
        """The apply script for `plan` (refused plans raise ProviderError)."""
        return self.node_script.apply_script(plan, options)

    def report(
        self,
        plan: Union[dict, Held],
        options: dict,
        output: Union[RunResult, tuple, None],
        *,
        round_trips: int,
        facts: Union[dict, Held, None] = None,
    ) -> Report:
        """The report of `plan`'s script from its output (None: not run);
        program states from the output, else from `facts`."""
        data = self.node_script.parse_report(
            plan, options, None if output is None else RunResult.of(output).canonical(), facts
        )
        plan = plan.value() if isinstance(plan, Held) else plan
        return Report.from_canonical(data, round_trips=round_trips, plan=plan)

    def converge(
        self,
        settings: Optional[Settings],
        services: Mapping[str, Any],
        run: Runner,
        *,
        mode: str = "apply",
        diff: bool = False,
        root: str = "/",
        lock_wait: Optional[int] = None,
        scope: Optional[str] = None,
        role: str = "daemon",
        exclusive: bool = False,
        absent: Sequence[str] = (),
    ) -> Report:
        """Makes the node run exactly `services` of `scope` under the
        provider's supervisor: installed, configured, only what differs
        changed, programs of the scope no longer wanted removed (those of
        other scopes stay), only changed programs restarted. `role="daemon"`
        owns the daemon (installs it, writes its configuration from
        `settings`); `role="programs"` only adds programs to the supervisord
        the node records (no settings). `exclusive` owns every managed
        program of that supervisord; `absent` names programs that must not
        exist. `mode="check"` changes nothing and reports what would change;
        `diff=True` adds redacted diffs of changed files. Returns the
        report; a failed step is `report.outcome == "failed"` (see
        `raise_for_outcome`). Applies to one supervisord are serialized on
        the node; `lock_wait` seconds (default 60) is how long this one
        waits for another before it fails, naming it."""
        check = _mode(mode)
        declared = _declaration(scope, role, exclusive, absent)
        prepared = self.prepare(settings, services, root=root, declaration=declared)
        facts = self.facts(prepared, run(prepared.facts_script), keep=True)
        plan = self.plan(prepared, facts, keep=True)
        options = self.script_options(check=check, diff=diff, lock_wait=lock_wait)
        script = self.apply_script(plan, options)
        if not plan.value()["steps"]:
            return self.report(plan, options, None, round_trips=1, facts=facts)
        return self.report(plan, options, run(script), round_trips=2, facts=facts)

    def program(
        self,
        name: str,
        run: Runner,
        *,
        state: str = "present",
        facility: str = "generic",
        settings: Optional[Mapping[str, Any]] = None,
        mode: str = "apply",
        diff: bool = False,
        root: str = "/",
    ) -> Report:
        """One program, declared on its own (Puppet's
        `supervisord::program`): in a scope of its own (`program:<name>`),
        added to the supervisord the node records. `state` is `present`,
        `absent` (removed, if this declaration wrote it), `started`,
        `stopped` or `restarted` (present, and then that). `settings` are
        the service's (`command`, ... for the generic facility). Returns the
        converge's report, or the action's when it ran one."""
        if state not in PROGRAM_STATES:
            raise ProviderError("state", "invalid-value", f"{state!r} is not one of {', '.join(PROGRAM_STATES)}")
        scope = f"program:{name}"
        if state == "absent":
            return self.converge(
                None, {}, run, mode=mode, diff=diff, root=root, scope=scope, role="programs", absent=[name]
            )
        service = {"facility": facility, "settings": dict(settings or {})}
        report = self.converge(
            None, {name: service}, run, mode=mode, diff=diff, root=root, scope=scope, role="programs"
        )
        if state == "present" or report.failed:
            return report
        # A converge that changed something (re)started the program
        # already: restarting it again would only cost time.
        if state == "restarted" and report.outcome == "changed":
            return report
        action = {"started": "start", "stopped": "stop", "restarted": "restart"}[state]
        after = self.service(action, name, run, mode=mode, root=root)
        return report.followed_by(after)

    def service(
        self,
        action: str,
        name: str,
        run: Runner,
        *,
        settings: Optional[Settings] = None,
        if_stopped: bool = False,
        signal: Optional[str] = None,
        mode: str = "apply",
        root: str = "/",
    ) -> Report:
        """One of the seed's service actions on a program, a group,
        `group:program` or `*`: start (a running one is ok), stop (a stopped
        one is ok), restart (starts a stopped one; with `if_stopped` leaves a
        running one alone), status, enable, disable, signal (`signal`, such
        as "HUP"). An action that would change nothing runs nothing."""
        options = self.service_options(action, if_stopped=if_stopped, signal=signal)
        return self._service_run(settings, run, name, action, options, root, _mode(mode))

    def service_options(self, action: str, *, if_stopped: bool = False, signal: Optional[str] = None) -> dict:
        """The provider's `service-options` for `action`, checked."""
        if action not in ACTIONS:
            raise ProviderError("action", "invalid-value", f"{action!r} is not one of {', '.join(ACTIONS)}")
        return {"if-stopped": if_stopped, "signal": None if signal is None else _signal(signal)}

    def status(self, run: Runner, *, settings: Optional[Settings] = None, root: str = "/") -> Report:
        """Every program's state (in `report.programs`)."""
        return self._service_run(settings, run, "*", "status", {"if-stopped": False, "signal": None}, root, False)

    def _service_run(self, settings, run, name, action, options, root, check) -> Report:
        # No settings: the supervisord the node records.
        prepared = self.prepare(settings or {}, {}, root=root)
        facts = self.facts(prepared, run(prepared.facts_script), keep=True)
        plan = self.provider.service_plan(prepared.settings, facts, name, action, options, keep=True)
        script_options = self.script_options(check=check)
        script = self.apply_script(plan, script_options)
        if not plan.value()["steps"]:
            return self.report(plan, script_options, None, round_trips=1, facts=facts)
        return self.report(plan, script_options, run(script), round_trips=2, facts=facts)


def _mode(mode: str) -> bool:
    if mode not in ("apply", "check"):
        raise ProviderError("mode", "invalid-value", f"{mode!r} is not apply or check")
    return mode == "check"


def _signal(name: str) -> str:
    lower = name.lower()
    lower = lower[3:] if lower.startswith("sig") else lower
    if lower not in SIGNALS:
        raise ProviderError(
            "signal",
            "invalid-value",
            f"{name!r} is not a signal supervisord sends: use {', '.join(s.upper() for s in SIGNALS)}",
        )
    return lower


def _jsonable(services: Mapping[str, Any]) -> dict:
    """Services as plain JSON values (Ansible hands over its own mapping
    and text types)."""
    return {str(k): dict(v) if isinstance(v, Mapping) else v for k, v in services.items()}


_declaration = declaration


def converge(
    settings: Optional[Settings],
    services: Mapping[str, Any],
    run: Runner,
    *,
    mode: str = "apply",
    diff: bool = False,
    root: str = "/",
    provider: Union[Provider, str, Path, None] = None,
    facilities: Iterable[FacilitySource] = (),
    accept_unpinned: Iterable[str] = (),
    cache_dir: Union[str, Path, None, bool] = None,
    limits: Limits = Limits(),
    **declared: Any,
) -> Report:
    """`Supervision(...).converge(...)` in one call (`scope`, `role`,
    `exclusive` and `absent` go to `converge`)."""
    supervision = Supervision(
        provider=provider,
        facilities=facilities,
        accept_unpinned=accept_unpinned,
        cache_dir=cache_dir,
        limits=limits,
    )
    return supervision.converge(settings, services, run, mode=mode, diff=diff, root=root, **declared)


#: What the one-call functions pass to `Supervision`.
_SUPERVISION_KEYS = ("provider", "facilities", "accept_unpinned", "cache_dir", "limits")


def service(action: str, name: str, run: Runner, **kwargs: Any) -> Report:
    """`Supervision().service(...)` in one call (`provider`, `cache_dir` and
    `limits` go to `Supervision`)."""
    own = {k: kwargs.pop(k) for k in _SUPERVISION_KEYS if k in kwargs}
    return Supervision(**own).service(action, name, run, **kwargs)


def status(run: Runner, **kwargs: Any) -> Report:
    """`Supervision().status(...)` in one call."""
    own = {k: kwargs.pop(k) for k in _SUPERVISION_KEYS if k in kwargs}
    return Supervision(**own).status(run, **kwargs)
