"""Values kept in wasmtime's own representation between calls.

Almost all the cost of a component call from Python is converting values:
wasmtime-py lowers a value into wasmtime's C representation one field at a
time (every record field name a fresh allocation), and lifts results back
the same way; the wasm itself is a small part. A converge passes the same
programs to three calls and the same facts to three more, so it keeps
them as `Held` values: the C representation a call returned, handed to the
next call as a native clone, and turned into Python data only when someone
reads it. Nothing about the values changes, only where they live.

A `Held` owns its C value and frees it when it is collected.
"""

from __future__ import annotations

import ctypes
from ctypes import byref
from typing import Any

from wasmtime import _ffi as ffi
from wasmtime import component as wc

from ._canonical import from_canonical

_UNSET = object()
_SPENT = object()
_RESULT = 19


class Held:
    """A component value of WIT type `type`, in wasmtime's representation.
    `value()` is its canonical JSON (computed once)."""

    __slots__ = ("_raw", "type", "_value")

    def __init__(self, raw: Any, ty: Any):
        self._raw = raw
        self.type = ty
        self._value: Any = _UNSET

    def value(self) -> Any:
        """The value as canonical JSON, read on first use."""
        if self._value is _SPENT:
            raise ValueError("this result's payload was moved out of it")
        if self._value is _UNSET:
            self._value = lift(self._raw)
        return self._value

    def _is_ok(self) -> bool:
        """For a WIT `result`: whether it is `ok`, read without lifting it."""
        if not isinstance(self.type, wc.ResultType) or self._raw.kind != _RESULT:
            raise TypeError("not a result value")
        return bool(self._raw.of.result.is_ok)

    def _split_result(self) -> "tuple[bool, Any]":
        """For a WIT `result`, once: (True, the `ok` payload held, or None
        when it has none) or (False, the `err` payload as canonical JSON).
        The payload moves out of this value, which is spent afterwards."""
        if not isinstance(self.type, wc.ResultType) or self._raw.kind != _RESULT:
            raise TypeError("not a result value")
        result = self._raw.of.result
        if not result.is_ok:
            return False, self.value()["val"]
        payload = result.val
        if not payload or self.type.ok is None:
            return True, None
        # Moved out of the result's box: the box keeps a plain bool, which
        # is all the result's own deletion will then free.
        moved = ffi.wasmtime_component_val_t()
        ctypes.memmove(byref(moved), payload, ctypes.sizeof(moved))
        payload.contents.kind = ffi.WASMTIME_COMPONENT_BOOL
        payload.contents.of.boolean = False
        self._value = _SPENT
        return True, Held(moved, self.type.ok)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Held) and self.value() == other.value()

    __hash__ = None  # type: ignore[assignment]

    def __copy__(self) -> "Held":
        return self._clone()

    def __deepcopy__(self, memo: dict) -> "Held":
        return self._clone()

    def __reduce__(self) -> Any:
        raise TypeError("a Held value lives in wasmtime's memory: pickle its value() instead")

    def _clone(self) -> "Held":
        raw = ffi.wasmtime_component_val_t()
        ffi.wasmtime_component_val_clone(byref(self._raw), byref(raw))
        return Held(raw, self.type)

    def __del__(self) -> None:
        try:
            ffi.wasmtime_component_val_delete(byref(self._raw))
        except Exception:  # interpreter shutdown: ffi may be gone already
            pass


_SCALARS = {
    kind: name
    for kind, name in enumerate(("boolean", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64"))
}


def _text(vec: Any) -> str:
    return ctypes.string_at(vec.data, vec.size).decode("utf-8") if vec.size else ""


def lift(val: Any) -> Any:
    """A C value as canonical JSON, read without changing it: the C form
    names its record fields and cases itself, so no type is needed (and
    wasmtime-py's own lift, which frees as it reads, is not used)."""
    kind = val.kind
    if kind == 12:  # string
        return _text(val.of.string)
    if kind == 14:  # record
        record = val.of.record
        return {_text(e.name): lift(e.val) for e in record.data[: record.size]}
    if kind == 13 or kind == 15:  # list, tuple
        items = val.of.list
        return [lift(v) for v in items.data[: items.size]]
    if kind == 18:  # option
        return lift(val.of.option.contents) if val.of.option else None
    if kind == 19:  # result
        result = val.of.result
        out = {"tag": "ok" if result.is_ok else "err"}
        if result.val:
            out["val"] = lift(result.val.contents)
        return out
    if kind == 16:  # variant
        variant = val.of.variant
        out = {"tag": _text(variant.discriminant)}
        if variant.val:
            out["val"] = lift(variant.val.contents)
        return out
    if kind == 17:  # enum
        return _text(val.of.enumeration)
    if kind == 11:  # char
        return chr(val.of.character)
    if kind in _SCALARS:
        return getattr(val.of, _SCALARS[kind])
    raise TypeError(f"no canonical JSON for component values of kind {kind}")


def lower(store: Any, value: Any, ty: Any, dst: Any) -> None:
    """Writes `value` (canonical JSON, a `Held`, or a list of `Held`) of WIT
    type `ty` into `dst`, a C value the caller deletes after the call."""
    if isinstance(value, Held):
        if isinstance(ty, wc.OptionType) and not isinstance(value.type, wc.OptionType):
            _expect(value, ty.payload)
            # `some(value)`: the clone moves into the option's box.
            payload = ffi.wasmtime_component_val_t()
            ffi.wasmtime_component_val_clone(byref(value._raw), byref(payload))
            dst.kind = ffi.WASMTIME_COMPONENT_OPTION
            dst.of.option = ffi.wasmtime_component_val_new(byref(payload))
        else:
            _expect(value, ty)
            ffi.wasmtime_component_val_clone(byref(value._raw), byref(dst))
        return
    if isinstance(ty, wc.ListType) and isinstance(value, (list, tuple)) and value:
        if all(isinstance(v, Held) for v in value):
            for v in value:
                _expect(v, ty.element)
            items = ffi.wasmtime_component_vallist_t()
            ffi.wasmtime_component_vallist_new_uninit(byref(items), len(value))
            for i, v in enumerate(value):
                ffi.wasmtime_component_val_clone(byref(v._raw), byref(items.data[i]))
            dst.kind = ffi.WASMTIME_COMPONENT_LIST
            dst.of.list = items
            return
        value = [v.value() if isinstance(v, Held) else v for v in value]
    ty.convert_to_c(store, from_canonical(value, ty), ctypes.pointer(dst))


def _expect(value: Held, ty: Any) -> None:
    """A host's mistake (a value of another type) is the host's error, not
    a trap blamed on the component."""
    if value._value is _SPENT or not (value.type is ty or value.type == ty):
        raise TypeError("a held value of another type (or one already spent) where this call takes another")
