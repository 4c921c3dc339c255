"""The three kinds of component, each a thin typed face over `Instance`:
a supervision provider, a facility, and the node-script component.

Values cross in canonical JSON (see `_canonical`); settings may be given as
a dict or as JSON text. A typed WIT error raises `ProviderError`. With
`keep=True` a method returns its value as a `Held` (see `_held`), which any
method takes back where it takes that value: a converge passes programs,
probes, facts and plans from call to call that way, never lifting them into
Python.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Union

from ._exceptions import PinError, ProviderError
from ._held import Held
from ._runtime import Instance, Runtime, bundled

Settings = Union[Mapping[str, Any], str]
#: A value a method takes: canonical JSON, or a `Held` another returned.
Value = Union[dict, Held]
Source = Union[str, Path, bytes, None]


def settings_text(settings: Optional[Settings]) -> str:
    """Settings as the JSON text the components take."""
    if settings is None:
        return "{}"
    if isinstance(settings, str):
        return settings
    return json.dumps(settings)


def _load(source: Source, default: str) -> tuple:
    """(bytes, label) of a component: bundled when `source` is None; a
    directory holds it as `<name>.wasm`."""
    if source is None:
        return bundled(default), f"bundled {default}"
    if not isinstance(source, bytes) and Path(source).is_dir():
        source = Path(source) / f"{default}.wasm"
    if isinstance(source, bytes):
        return source, f"{default} (bytes)"
    path = Path(source)
    try:
        return path.read_bytes(), str(path)
    except OSError as e:
        from ._exceptions import ComponentError

        raise ComponentError(f"cannot read the component {path}: {e}") from e


class _Component:
    _interface = ""
    _default = ""

    def __init__(self, source: Source = None, *, sha256: Optional[str] = None, runtime: Optional[Runtime] = None):
        wasm, label = _load(source, self._default)
        #: The SHA-256 of its bytes (hex).
        self.sha256 = hashlib.sha256(wasm).hexdigest()
        #: Whether it is the bundled one (pinned by the build) or its bytes
        #: have the digest it was given.
        self.pinned = source is None or sha256 is not None
        if sha256 is not None and (
            not isinstance(sha256, str) or len(sha256) != 64 or not all(c in "0123456789abcdefABCDEF" for c in sha256)
        ):
            raise PinError(f"{label}: sha256 {sha256!r} is not a SHA-256 (64 hex digits, as text)")
        if sha256 is not None and sha256.lower() != self.sha256:
            raise PinError(f"{label} has sha256 {self.sha256}, but it is pinned to {sha256}; nothing was loaded")
        self.runtime = runtime or Runtime()
        self.label = label
        self._instance = Instance(self.runtime, wasm, label, self._interface)

    def call(self, function: str, args: Sequence[Any]) -> Any:
        """Calls `function` with canonical JSON arguments and returns its
        canonical JSON result, a `result` as {"tag": "ok"|"err", "val"}:
        the form `supd call` prints."""
        return self._instance.call(function, list(args))

    def _invoke(self, function: str, args: Sequence[Any], keep: bool = False) -> Any:
        """The `ok` value of a function returning a `result` (a `Held` with
        `keep`); its `err` raises `ProviderError`."""
        if keep:
            ok, value = self._instance.call(function, list(args), keep=True)._split_result()
            if not ok:
                raise ProviderError(value["field"], value["kind"], value["message"], plugin=self.label, call=function)
            return value
        result = self.call(function, args)
        if result["tag"] == "err":
            error = result["val"]
            raise ProviderError(error["field"], error["kind"], error["message"], plugin=self.label, call=function)
        return result.get("val")

    def _value(self, function: str, args: Sequence[Any], keep: bool = False) -> Any:
        """The value of a function that cannot fail (a `Held` with `keep`)."""
        if keep:
            return self._instance.call(function, list(args), keep=True)
        return self.call(function, args)


class Provider(_Component):
    """A supervision provider: the bundled supervisord one, or one loaded
    from a path or from bytes."""

    _interface = "supervisord-crate:supervision/supervision-provider"
    _default = "supervisord"

    def __init__(self, source: Source = None, *, sha256: Optional[str] = None, runtime: Optional[Runtime] = None):
        super().__init__(source, sha256=sha256, runtime=runtime)
        #: What `register-provider` said: name, version, api-version, ...
        self.info: dict = self.call("register-provider", [])
        self.name: str = self.info["name"]
        self.label = f"{self.name} ({self.label})"

    def probes(
        self,
        settings: Optional[Settings],
        declaration: dict,
        programs: Sequence[Value],
        root: str,
        *,
        keep: bool = False,
    ) -> Any:
        return self._invoke("probes", [settings_text(settings), declaration, list(programs), root], keep)

    def install_plan(self, settings: Optional[Settings], declaration: dict, facts: Value, *, keep: bool = False) -> Any:
        return self._invoke("install-plan", [settings_text(settings), declaration, facts], keep)

    def config_map(self, facility: str, settings: Optional[Settings], *, keep: bool = False) -> Any:
        return self._invoke("config-map", [facility, settings_text(settings)], keep)

    def config_map_result(self, facility: str, settings: Optional[Settings]) -> Held:
        """`config-map`'s whole result, held (ok or err)."""
        return self._instance.call("config-map", [facility, settings_text(settings)], keep=True)

    def facility_program_result(self, facility: str, program: str, grant: Optional[dict]) -> Held:
        """A facility component's program (the generic facility's JSON
        form) read and held to `grant`: `facility-program`'s whole result,
        held (ok or err)."""
        return self._instance.call("facility-program", [facility, program, grant], keep=True)

    def check_programs(self, programs: Sequence[Value]) -> None:
        self._invoke("check-programs", [list(programs)])

    def configure_plan(
        self,
        settings: Optional[Settings],
        declaration: dict,
        programs: Sequence[Value],
        facts: Value,
        *,
        keep: bool = False,
    ) -> Any:
        return self._invoke("configure-plan", [settings_text(settings), declaration, list(programs), facts], keep)

    def service_plan(
        self,
        settings: Optional[Settings],
        facts: Value,
        service: str,
        action: str,
        options: dict,
        *,
        keep: bool = False,
    ) -> Any:
        return self._invoke("service-plan", [settings_text(settings), facts, service, action, options], keep)


class Facility(_Component):
    """A facility: maps its own settings to a program for the supervisors it
    supports, in the generic facility's form (JSON text). The bundled
    app-deploy one, or one from a path or bytes, pinned by `sha256`; its
    programs are held to `grant` (`{"users", "paths", "environment"}`,
    each a list; the default lets them run as any user but root, anywhere,
    with none of the loader's variables)."""

    _interface = "supervisord-crate:facility/config-mapper@1.0.0"
    _default = "app-deploy"

    def __init__(
        self,
        source: Source = None,
        *,
        sha256: Optional[str] = None,
        grant: Optional[Mapping[str, Sequence[str]]] = None,
        runtime: Optional[Runtime] = None,
    ):
        super().__init__(source, sha256=sha256, runtime=runtime)
        self.name: str = self.call("facility-name", [])
        self.label = f"facility {self.name} ({self.label})"
        #: What its programs may do; None for the bundled one.
        self.grant: Optional[dict] = None if source is None else _grant(grant or {})

    def config_map(self, supervisor: str, settings: Optional[Settings]) -> str:
        """The program (JSON text of the generic facility's keys); a refusal
        raises `ProviderError`."""
        return self._invoke("config-map", [supervisor, settings_text(settings)])

    def config_map_result(self, supervisor: str, settings: Optional[Settings]) -> dict:
        """`config-map`'s whole result, as canonical JSON (ok or err)."""
        return self.call("config-map", [supervisor, settings_text(settings)])


def _grant(grant: Mapping[str, Sequence[str]]) -> dict:
    """A grant as the provider's `grant` record; unknown keys are refused."""
    keys = ("users", "paths", "environment")
    unknown = sorted(set(grant) - set(keys))
    if unknown:
        raise ProviderError(f"grant.{unknown[0]}", "unknown-field", f"a grant has only {', '.join(keys)}")
    record = {}
    for key in keys:
        value = grant.get(key, [])
        if isinstance(value, str) or not all(isinstance(v, str) for v in value):
            raise ProviderError(f"grant.{key}", "invalid-value", f"grant.{key} is a list of strings")
        record[key] = list(value)
    return record


class NodeScript(_Component):
    """The node-script component: facts and apply scripts, and their output
    read back."""

    _interface = "supervisord-crate:supervision/node-script"
    _default = "node-script"

    def requests(self, supervisor: str, services: Any) -> list:
        """A declaration's services (a mapping, or its JSON text) read into
        mapping requests: key, facility, supervisor and settings."""
        text = services if isinstance(services, str) else json.dumps(dict(services))
        return self._invoke("requests", [supervisor, text])

    def programs(self, requests: Sequence[dict], mapped: Sequence[Held], *, keep: bool = False) -> Any:
        """The programs the requests were mapped to (each a held
        `config-map` result); the first mapping error, placed at its
        service, raises `ProviderError`."""
        return self._invoke("programs", [list(requests), list(mapped)], keep)

    def service_error(self, requests: Sequence[dict], programs: Sequence[Value], error: dict) -> dict:
        """`error` (canonical JSON) placed at the service it is about."""
        return self.call("service-error", [list(requests), list(programs), error])

    def facts_script(self, probes: Value) -> str:
        return self.call("facts-script", [probes])

    def parse_facts(self, probes: Value, root: str, output: dict, *, keep: bool = False) -> Any:
        return self._invoke("parse-facts", [probes, root, output], keep)

    def converge_plan(self, install: Value, configure: Value, *, keep: bool = False) -> Any:
        return self._value("converge-plan", [install, configure], keep)

    def apply_script(self, plan: Value, options: dict) -> str:
        return self._invoke("apply-script", [plan, options])

    def parse_report(self, plan: Value, options: dict, output: Optional[dict], facts: Optional[Value] = None) -> dict:
        return self.call("parse-report", [plan, options, output, facts])
