"""Memoized type introspection for wasmtime-py's component types.

wasmtime-py answers every question about a component type (a record's
fields, a variant's cases, whether a variant needs tags) with fresh FFI
calls, and asks them again for every value it lowers: converging 50
programs spent most of its Python time there. Component types never
change, so each answer is kept on the type object that was asked. This
changes no value and no behaviour, only the number of FFI calls.

(`Func.__call__` asks for the function's type afresh on every call, which
would throw that memo away: `Instance` asks once and calls the function
itself.)
"""

from __future__ import annotations

from typing import Any, Callable

from wasmtime import component as wc

_PATCHED = False


def _remember(cls: type, name: str) -> None:
    attribute = cls.__dict__.get(name)
    if attribute is None:
        return
    is_property = isinstance(attribute, property)
    compute: Callable[[Any], Any] = attribute.fget if is_property else attribute
    key = "_supervision_" + name

    def cached(self: Any) -> Any:
        try:
            return self.__dict__[key]
        except KeyError:
            value = compute(self)
            self.__dict__[key] = value
            return value

    setattr(cls, name, property(cached) if is_property else cached)


def install() -> None:
    """Memoizes the introspection of every type class once per process."""
    global _PATCHED
    if _PATCHED:
        return
    _PATCHED = True
    for cls, names in (
        (wc.FuncType, ("params", "result")),
        (wc.ListType, ("element",)),
        (wc.RecordType, ("fields",)),
        (wc.TupleType, ("elements",)),
        (wc.VariantType, ("cases", "_cases")),
        (wc.EnumType, ("names",)),
        (wc.OptionType, ("payload", "_cases")),
        (wc.ResultType, ("ok", "err", "_cases")),
        (wc.FlagsType, ("names",)),
    ):
        for name in names:
            _remember(cls, name)
    # `_tagged` is defined once, on the variant-like base class.
    for base in wc.VariantType.__mro__:
        if "_tagged" in base.__dict__:
            _remember(base, "_tagged")
            break
