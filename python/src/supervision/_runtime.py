"""Loading components and calling them inside bounds.

Components are untrusted code to the host: each runs in its own store with
no imports at all (an empty linker: no files, network, clock or
environment), a fuel bound on every call (fuel counts executed wasm
instructions, so the bound is the same on a fast or a slow machine) and a
memory bound. A component that trapped or hit a bound is thrown away and
the next call gets a fresh instance.

Compiling a component costs about a quarter of a second, so compiled code
is cached on disk, keyed by the component's SHA-256, the wasmtime version,
the machine and the engine configuration; a cache entry that does not
deserialize is a miss.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
import stat
import tempfile
import threading
from ctypes import byref
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Optional, Union

import wasmtime
from wasmtime import _ffi as ffi
from wasmtime import component as wc
from wasmtime.component._enter import enter_wasm

from . import _typecache
from ._exceptions import ComponentError, PluginLimitError, PluginTrap
from ._held import Held, lower

_typecache.install()

#: The WIT package every bundled component implements.
PACKAGE = "supervisord-crate:supervision@0.3.0"


@dataclass(frozen=True)
class Limits:
    """Bounds on every component call and on the plans a host accepts."""

    #: Wasm instructions one call may execute (about a second's worth).
    fuel: int = 4_000_000_000
    #: Linear memory one instance may use.
    memory_bytes: int = 64 << 20
    #: Steps a plan may have (None: the node-script component's bound,
    #: 10,000).
    max_plan_steps: Optional[int] = None
    #: Bytes of content and arguments a plan may carry (None: the
    #: component's bound, 16 MiB).
    max_plan_bytes: Optional[int] = None


def _default_cache_dir() -> Optional[Path]:
    if os.environ.get("SUPERVISION_CACHE_DIR"):
        return Path(os.environ["SUPERVISION_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or (
        os.path.join(os.path.expanduser("~"), ".cache") if os.path.expanduser("~") != "~" else None
    )
    return Path(base) / "supervisord-crate" / "python" if base else None


def bundled(name: str) -> bytes:
    """The bytes of a component bundled in the package (`supervisord`,
    `node-script`, `app-deploy`); `SUPERVISION_COMPONENTS_DIR` overrides the
    bundled directory."""
    override = os.environ.get("SUPERVISION_COMPONENTS_DIR")
    if override:
        path = Path(override) / f"{name}.wasm"
        try:
            return path.read_bytes()
        except OSError as e:
            raise ComponentError(f"cannot read {path}: {e}") from e
    try:
        return resources.files("supervision").joinpath("components", f"{name}.wasm").read_bytes()
    except OSError as e:
        raise ComponentError(f"the {name} component is not bundled with this installation: {e}") from e


def _trusted(path: Path) -> bool:
    """Whether `path` is this user's own: not a link, owned by this user,
    writable by no one else. A cache entry that is not is a miss."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return not stat.S_ISLNK(info.st_mode) and info.st_uid == os.geteuid() and info.st_mode & 0o022 == 0


class Runtime:
    """One wasmtime engine for every component, and its code cache.

    `cache_dir=None` uses `$SUPERVISION_CACHE_DIR`, else
    `$XDG_CACHE_HOME/supervisord-crate/python`, else `~/.cache/...`;
    `cache_dir=False` compiles every time. `fork_safe=True` is for a
    process that loads components and then forks (as ansible-core does):
    a forked child has none of its parent's threads, so compiling uses only
    the calling thread, and on macOS traps are caught with signals rather
    than Mach ports, which a child does not inherit.
    """

    def __init__(
        self,
        *,
        cache_dir: Union[str, Path, None, bool] = None,
        limits: Limits = Limits(),
        fork_safe: bool = False,
    ):
        config = wasmtime.Config()
        config.consume_fuel = True
        # Memories start as copies, not copy-on-write images in a sealed
        # memfd: instantiating an 18 MB componentize-py facility right after
        # its compile failed with "cannot add seals to the memfd" on a clean
        # CI run.
        config.memory_init_cow = False
        if fork_safe:
            config.parallel_compilation = False
            config.macos_use_mach_ports = False
        self.engine = wasmtime.Engine(config)
        self.limits = limits
        if cache_dir is False:
            self.cache_dir: Optional[Path] = None
        elif cache_dir is None or cache_dir is True:
            self.cache_dir = _default_cache_dir()
        else:
            self.cache_dir = Path(cache_dir)
        # Last load's source, for tests and benchmarks: "compiled" or "cached".
        self.last_load = ""

    def _cache_path(self, wasm: bytes) -> Optional[Path]:
        if self.cache_dir is None:
            return None
        key = "-".join(
            [
                hashlib.sha256(wasm).hexdigest(),
                "wasmtime" + importlib.metadata.version("wasmtime"),
                platform.machine() or "unknown",
                "fuel-nocow",
            ]
        )
        return self.cache_dir / f"{key}.bin"

    def compile(self, wasm: bytes, label: str) -> wc.Component:
        """The compiled component, from the cache when it holds it."""
        path = self._cache_path(wasm)
        if path is not None and _trusted(path.parent) and _trusted(path):
            try:
                # Compiled code is run as it is: only this user's own,
                # writable by no one else, is loaded.
                component = wc.Component.deserialize_file(self.engine, str(path))
                self.last_load = "cached"
                return component
            except (OSError, ValueError, wasmtime.WasmtimeError):
                pass  # a miss: absent, stale, foreign or an unusable path
        try:
            component = wc.Component(self.engine, wasm)
        except wasmtime.WasmtimeError as e:
            raise ComponentError(f"{label} is not a usable component: {e}") from e
        self.last_load = "compiled"
        if path is not None:
            try:
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                if not _trusted(path.parent):
                    raise OSError("the cache directory is not this user's alone")
                fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
                with os.fdopen(fd, "wb") as f:
                    f.write(component.serialize())
                os.replace(tmp, path)
            except OSError:
                pass  # a cache that cannot be written only costs time
        return component


class Instance:
    """One component under the runtime's limits, kept warm between calls
    and replaced after a trap. Calls are serialized."""

    def __init__(self, runtime: Runtime, wasm: bytes, label: str, interface: str):
        self.runtime = runtime
        self.label = label
        # An interface of this package takes its version; another package's
        # (the facility world's) names its own.
        self.interface = interface if "@" in interface else f"{interface}@{PACKAGE.split('@')[1]}"
        self._component = runtime.compile(wasm, label)
        if self._component.get_export_index(self.interface) is None:
            raise ComponentError(f"{label} does not export {self.interface}")
        self._lock = threading.Lock()
        self._store: Any = None
        self._instance: Any = None
        self._funcs: dict = {}
        self._types: dict = {}

    def _fresh(self) -> None:
        store = wasmtime.Store(self.runtime.engine)
        store.set_limits(memory_size=self.runtime.limits.memory_bytes)
        store.set_fuel(self.runtime.limits.fuel)
        try:
            # An empty linker: the component may import nothing at all.
            instance = wc.Linker(self.runtime.engine).instantiate(store, self._component)
        except wasmtime.WasmtimeError as e:
            raise ComponentError(f"{self.label} cannot be instantiated (it may import something): {e}") from e
        self._store, self._instance, self._funcs = store, instance, {}

    def _func(self, name: str) -> Any:
        if name not in self._funcs:
            interface = self._instance.get_export_index(self._store, self.interface)
            index = self._instance.get_export_index(self._store, name, interface)
            if index is None:
                raise KeyError(f"{self.interface} has no function {name}")
            func = self._instance.get_func(self._store, index)
            # A fresh instance after a trap has the same types: keep them.
            ty = self._types.get(name)
            if ty is None:
                ty = self._types[name] = func.type(self._store)
            self._funcs[name] = (func, ty)
        return self._funcs[name]

    def call(self, name: str, args: list, *, keep: bool = False) -> Any:
        """Calls `name` with canonical JSON arguments (or `Held` values);
        returns canonical JSON (a result as {"tag": "ok"|"err", "val":
        ...}), or with `keep` the result as a `Held` value."""
        with self._lock:
            if self._instance is None:
                self._fresh()
            func, ty = self._func(name)
            if len(args) != len(ty.params):
                raise TypeError(f"{name} takes {len(ty.params)} arguments, given {len(args)}")
            params = (ffi.wasmtime_component_val_t * max(len(args), 1))()
            lowered = 0
            result = ffi.wasmtime_component_val_t()
            try:
                for arg, (_, param) in zip(args, ty.params):
                    lower(self._store, arg, param, params[lowered])
                    lowered += 1
                self._store.set_fuel(self.runtime.limits.fuel)
                self._run(name, func, params, lowered, None if ty.result is None else result)
            finally:
                # Arguments are only borrowed by the call.
                for i in range(lowered):
                    ffi.wasmtime_component_val_delete(byref(params[i]))
            if ty.result is None:
                return None
            held = Held(result, ty.result)
            return held if keep else held.value()

    def _run(self, name: str, func: Any, params: Any, count: int, result: Any) -> None:
        store = self._store
        try:
            enter_wasm(
                lambda: ffi.wasmtime_component_func_call(
                    byref(func._func),
                    store._context(),
                    params,
                    count,
                    None if result is None else byref(result),
                    0 if result is None else 1,
                )
            )
            func.post_return(store)
        except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
            self._instance = None  # never reuse an instance that broke
            text = str(e)
            first = text.strip().splitlines()[0] if text.strip() else type(e).__name__
            if "fuel" in text:
                raise PluginLimitError(
                    f"it used its whole fuel bound ({self.runtime.limits.fuel} instructions)",
                    plugin=self.label,
                    call=name,
                ) from e
            # A refused memory.grow ends a Rust guest in `unreachable`:
            # a trap like any other to us.
            raise PluginTrap(first, plugin=self.label, call=name) from e
