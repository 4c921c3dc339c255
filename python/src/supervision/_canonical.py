"""Canonical JSON, the one form every host of the components speaks (`supd
call` prints it too): records are dicts keyed by WIT field names, enums are
their case names, variants and results `{"tag": ..., "val": ...}`, options
`None` or the value.

wasmtime-py itself returns a variant or result case without its tag when
the cases' Python types differ, so the conversion here is driven by the
function's WIT types, never by guessing.
"""

from __future__ import annotations

import json
from typing import Any

from wasmtime import component as wc


def _cases(ty: Any) -> list:
    if isinstance(ty, wc.VariantType):
        return ty.cases
    return ty._cases()


def _case_of(value: Any, ty: Any) -> tuple:
    """(tag, payload) of a variant-like value as wasmtime-py returned it."""
    if ty._tagged():
        return value.tag, value.payload
    for name, case_ty in _cases(ty):
        if case_ty is None:
            if value is None:
                return name, None
            continue
        classes: set = set()
        case_ty.add_classes(classes)
        if isinstance(value, tuple(classes)):
            return name, value
    raise ValueError(f"value {value!r} fits no case")


def to_canonical(value: Any, ty: Any) -> Any:
    """A wasmtime-py value of WIT type `ty` -> canonical JSON data."""
    if isinstance(ty, wc.ListType):
        return [to_canonical(v, ty.element) for v in value]
    if isinstance(ty, wc.RecordType):
        return {name: to_canonical(getattr(value, name), field) for name, field in ty.fields}
    if isinstance(ty, wc.TupleType):
        return [to_canonical(v, t) for v, t in zip(value, ty.elements)]
    if isinstance(ty, wc.EnumType):
        return value
    if isinstance(ty, (wc.VariantType, wc.OptionType, wc.ResultType)):
        tag, payload = _case_of(value, ty)
        case_ty = dict(_cases(ty))[tag]
        if isinstance(ty, wc.OptionType):
            return None if tag == "none" else to_canonical(payload, case_ty)
        out = {"tag": tag}
        if case_ty is not None:
            out["val"] = to_canonical(payload, case_ty)
        return out
    return value


def from_canonical(data: Any, ty: Any) -> Any:
    """Canonical JSON data -> the wasmtime-py value for WIT type `ty`."""
    if isinstance(ty, wc.ListType):
        items = [from_canonical(v, ty.element) for v in data]
        return bytes(items) if isinstance(ty.element, wc.U8) else items
    if isinstance(ty, wc.RecordType):
        record = wc.Record()
        for name, field in ty.fields:
            setattr(record, name, from_canonical(data.get(name), field))
        return record
    if isinstance(ty, wc.TupleType):
        return tuple(from_canonical(v, t) for v, t in zip(data, ty.elements))
    if isinstance(ty, (wc.VariantType, wc.OptionType, wc.ResultType)):
        if isinstance(ty, wc.OptionType):
            tag, payload = ("none", None) if data is None else ("some", data)
        else:
            tag, payload = data["tag"], data.get("val")
        case_ty = dict(_cases(ty))[tag]
        value = None if case_ty is None else from_canonical(payload, case_ty)
        if ty._tagged():
            return wc.Variant(tag, value)
        return value
    return data


def canonical_text(data: Any) -> str:
    """Canonical JSON text: keys sorted, no whitespace."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
