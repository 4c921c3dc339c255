"""The facility world's export, for componentize-py: it imports the author's
``app`` module (which registers its mapping with ``@facility``) and calls
it. ``supd facility build`` names this module as the one to componentize.

Every exception of the mapping becomes the world's typed error with its
message, so a slip in a facility reads as a sentence, not as an
``unreachable`` trap whose traceback the sandbox cannot print.
"""

import json
import traceback

import app  # noqa: F401  (registers the facility)
from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.config_mapper import Error, ErrorKind

from . import SUPERVISOR, FacilityError, Settings, registered

_KINDS = {
    "invalid-value": ErrorKind.INVALID_VALUE,
    "missing-field": ErrorKind.MISSING_FIELD,
}


def _where(error: BaseException) -> str:
    """The author's line that raised, as ``app.py:12``. Read from the frames
    alone: the sandbox has no files, so nothing may look a source line up."""
    where = "?"
    for frame, line in traceback.walk_tb(error.__traceback__):
        name = frame.f_code.co_filename
        if not name.endswith("component.py"):
            where = f"{name.rsplit('/', 1)[-1]}:{line}"
    return where


def _error(error: BaseException) -> Error:
    if isinstance(error, FacilityError):
        return Error(error.field, _KINDS.get(error.kind, ErrorKind.INVALID_VALUE), error.message)
    return Error("", ErrorKind.INVALID_VALUE, f"{type(error).__name__}: {error} (at {_where(error)})")


class ConfigMapper(exports.ConfigMapper):
    def facility_name(self) -> str:
        return registered()["name"]

    def config_map(self, supervisor: str, settings: str) -> str:
        name = registered()["name"]
        if supervisor != SUPERVISOR:
            message = f"{supervisor} supervisor requested for {name}, but this has not been implemented"
            raise Err(Error("", ErrorKind.NOT_IMPLEMENTED, message))
        try:
            parsed = json.loads(settings)
            if not isinstance(parsed, dict):
                raise FacilityError("", "settings are not a JSON object")
            program = registered()["mapping"](Settings(parsed))
            if not isinstance(program, dict):
                raise FacilityError("", f"the mapping returned {type(program).__name__}, not a program dict")
            return json.dumps(program)
        except Exception as error:  # every slip reaches the user as a sentence
            raise Err(_error(error)) from None
