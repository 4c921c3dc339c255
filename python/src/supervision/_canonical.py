"""Canonical JSON, the one form every host of the components speaks (`supd
call` prints it too): records are dicts keyed by WIT field names, enums are
their case names, variants and results `{"tag": ..., "val": ...}`, options
`None` or the value.

Arguments go to wasmtime-py as its own values (made here, driven by the
function's WIT types, since wasmtime-py tells variant cases apart by their
Python types); results are read straight from wasmtime's C form (see
`_held.lift`).
"""

from __future__ import annotations

import json
from typing import Any

from wasmtime import component as wc


def _cases(ty: Any) -> list:
    if isinstance(ty, wc.VariantType):
        return ty.cases
    return ty._cases()


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
