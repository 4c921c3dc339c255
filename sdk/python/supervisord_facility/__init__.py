"""Write a supervisord-crate facility in a few lines of Python.

A facility maps its own settings (a service's ``settings`` in a spec) to a
supervisord program, as the seed's ``supervisor-config-map`` did::

    from supervisord_facility import facility

    @facility("app-deploy")
    def app_deploy(settings):
        return {"service-name": settings.required("service-name"),
                "command": settings.required("run-command")}

A program is a dict of the generic facility's keys (kebab-case supervisord
program keys: ``command``, ``user``, ``autostart``, ``environment``, ...).
The provider checks it with the rules of its own input.

``supd facility build DIR`` makes the component with componentize-py; the
mapping is plain Python too, so it can be tested without building.

Errors (what a mapping raises reaches the user as the facility world's
typed error, with its message)::

    FacilityError          a refusal about one setting
    ├── MissingSetting     a setting it needs is absent
    └── InvalidSetting     a setting has a value it does not accept
    (any other exception)  an invalid-value error naming the exception
"""

from typing import Any, Callable, Dict, Optional

__all__ = [
    "SUPERVISOR",
    "FacilityError",
    "InvalidSetting",
    "MissingSetting",
    "Settings",
    "facility",
    "registered",
]

#: The one supervisor a facility maps programs for here.
SUPERVISOR = "supervisord"

Program = Dict[str, Any]
Mapping = Callable[["Settings"], Program]


class FacilityError(Exception):
    """A refusal about the setting ``field`` ("" when about none)."""

    kind = "invalid-value"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class MissingSetting(FacilityError, KeyError):
    """A setting the facility needs is absent."""

    kind = "missing-field"

    def __str__(self) -> str:
        return self.message


class InvalidSetting(FacilityError, ValueError):
    """A setting has a value the facility does not accept."""

    kind = "invalid-value"


class Settings(dict):
    """A service's settings, as the spec gave them (``service-name``
    defaults to the service's key)."""

    def required(self, key: str) -> Any:
        """The setting ``key``, which must be there."""
        value = self.get(key)
        if value is None:
            raise MissingSetting(key, f"{key} is required")
        return value

    def text(self, key: str) -> Optional[str]:
        """The text setting ``key``, if it is there."""
        value = self.get(key)
        if value is not None and not isinstance(value, str):
            raise InvalidSetting(key, f"{key} must be text")
        return value


_registered: Dict[str, Any] = {}


def facility(name: str) -> Callable[[Mapping], Mapping]:
    """Registers the decorated function as the mapping of the facility
    ``name``: it takes :class:`Settings` and returns a program dict."""

    def register(mapping: Mapping) -> Mapping:
        if _registered:
            raise RuntimeError(f"one facility per component: {_registered['name']} is already registered")
        _registered.update(name=name, mapping=mapping)
        return mapping

    return register


def registered() -> Dict[str, Any]:
    """The registered facility: ``{"name", "mapping"}``."""
    if not _registered:
        raise RuntimeError("no facility registered: decorate a function with @facility(name) in app.py")
    return _registered
