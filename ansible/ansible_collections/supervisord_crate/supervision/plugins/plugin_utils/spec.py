# Copyright: supervisord-crate developers; Eclipse Public License 1.0
"""The argument specs of both modules, the one source their action plugins
validate against (the modules' DOCUMENTATION says the same; a unit test
keeps the two equal)."""

from __future__ import annotations

#: The options of the modules that load components (doc_fragments/components.py).
COMPONENTS_SPEC = {
    "facilities": {"type": "list", "elements": "raw", "default": []},
    "accept_unpinned": {"type": "list", "elements": "str", "default": []},
}

SUPERVISORD_SPEC = {
    "settings": {"type": "dict", "default": {}},
    "services": {"type": "dict", "default": {}},
    "scope": {"type": "str"},
    "exclusive": {"type": "bool", "default": False},
    **COMPONENTS_SPEC,
    "root": {"type": "str", "default": "/"},
}

SUPERVISORD_PROGRAM_SPEC = {
    "name": {"type": "str", "required": True},
    "state": {
        "type": "str",
        "default": "present",
        "choices": ["present", "absent", "started", "stopped", "restarted"],
    },
    "facility": {"type": "str", "default": "generic"},
    "settings": {"type": "dict", "default": {}},
    **COMPONENTS_SPEC,
    "root": {"type": "str", "default": "/"},
}

SUPERVISORD_SERVICE_SPEC = {
    "name": {"type": "str", "required": True},
    "state": {
        "type": "str",
        "required": True,
        "choices": ["started", "stopped", "restarted", "signalled", "enabled", "disabled"],
    },
    "if_stopped": {"type": "bool", "default": False},
    "signal": {"type": "str"},
    "settings": {"type": "dict", "default": {}},
    "root": {"type": "str", "default": "/"},
}

#: `state` of supervisord_service -> the provider's service action.
ACTIONS = {
    "started": "start",
    "stopped": "stop",
    "restarted": "restart",
    "signalled": "signal",
    "enabled": "enable",
    "disabled": "disable",
}
