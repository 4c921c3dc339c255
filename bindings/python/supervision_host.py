"""A Python host for the supervisord provider component, through the
`wasmtime` package from PyPI (its dynamic component API).

Values cross as canonical JSON (the form `supd call` prints): records keyed
by WIT field names, variants and results as {"tag", "val"}, options as
None or the value. wasmtime-py itself returns a variant or result case
without its tag when the cases' Python types differ, so the conversion
here is driven by the function's WIT types, never by guessing.

    provider = SupervisionProvider("target/components/supervisord.wasm")
    program = provider.invoke("config-map", ["generic", '{"service-name": "web", "command": "run"}'])
    # a typed WIT error raises ProviderError(field, kind, message)
"""

import json

import wasmtime
from wasmtime import component as wc

INTERFACE = "supervisord-crate:supervision/supervision-provider@0.2.0"


class ProviderError(Exception):
    """The provider refused the input: a WIT `error` record."""

    def __init__(self, error):
        super().__init__("%s: %s" % (error["field"], error["message"]))
        self.field = error["field"]
        self.kind = error["kind"]
        self.message = error["message"]


def _cases(ty):
    if isinstance(ty, wc.VariantType):
        return ty.cases
    return ty._cases()


def _case_of(value, ty):
    """(tag, payload) of a variant-like value as wasmtime-py returned it."""
    if ty._tagged():
        return value.tag, value.payload
    for name, case_ty in _cases(ty):
        if case_ty is None:
            if value is None:
                return name, None
            continue
        classes = set()
        case_ty.add_classes(classes)
        if isinstance(value, tuple(classes)):
            return name, value
    raise ValueError("value %r fits no case" % (value,))


def to_canonical(value, ty):
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


def from_canonical(data, ty):
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


def canonical_text(data):
    """Canonical JSON text: keys sorted, no whitespace."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class SupervisionProvider:
    """A loaded provider component."""

    def __init__(self, path):
        engine = wasmtime.Engine()
        self._store = wasmtime.Store(engine)
        component = wc.Component.from_file(engine, path)
        # The component imports nothing: an empty linker is all it needs.
        self._instance = wc.Linker(engine).instantiate(self._store, component)
        self._interface = self._instance.get_export_index(self._store, INTERFACE)

    def call(self, name, args):
        """Calls `name` with canonical JSON `args`; returns canonical JSON
        (results as {"tag": "ok"|"err", "val": ...})."""
        index = self._instance.get_export_index(self._store, name, self._interface)
        if index is None:
            raise KeyError("the provider has no function %s" % name)
        func = self._instance.get_func(self._store, index)
        ty = func.type(self._store)
        values = [from_canonical(a, t) for a, (_, t) in zip(args, ty.params)]
        result = func(self._store, *values)
        func.post_return(self._store)
        return None if ty.result is None else to_canonical(result, ty.result)

    def invoke(self, name, args):
        """Like `call`, but returns the ok value and raises ProviderError."""
        result = self.call(name, args)
        if isinstance(result, dict) and set(result) <= {"tag", "val"} and result.get("tag") in ("ok", "err"):
            if result["tag"] == "err":
                raise ProviderError(result["val"])
            return result.get("val")
        return result
