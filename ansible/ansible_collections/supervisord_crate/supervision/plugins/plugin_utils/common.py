# Copyright: supervisord-crate developers; Eclipse Public License 1.0
"""What both action plugins share: the transport (one remote command per
script, the script on the command's standard input), the components, and
turning a report into a task result with no secret in it.

Controller-only: nothing here runs on a managed host.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.parameters import remove_values

try:
    import supervision
except ImportError:  # the sanity tests import this without the package
    supervision = None

#: Components bundled in this collection, used in preference to the
#: Python package's: they are the ones this collection was built with.
COMPONENTS = os.path.join(os.path.dirname(__file__), "components")


def require_supervision():
    """The `supervision` package, or a task failure saying how to get it."""
    if supervision is None:
        raise AnsibleActionFail(missing_required_lib("supervisord-crate"))
    return supervision


def _load(facilities=(), accept_unpinned=()):
    lib = require_supervision()
    bundled = (
        COMPONENTS
        if all(
            os.path.isfile(os.path.join(COMPONENTS, name + ".wasm"))
            for name in ("supervisord", "node-script", "app-deploy")
        )
        else None
    )
    # The components may be loaded in ansible-core's main process, which
    # then forks: a worker has none of its parent's threads.
    runtime = lib.Runtime(fork_safe=True)
    return lib.Supervision(
        components=bundled,
        facilities=[_facility(f) for f in facilities],
        accept_unpinned=list(accept_unpinned),
        runtime=runtime,
    )


def _facility(entry):
    """A `facilities` entry with its path's `~` expanded (a dict keeps its
    other keys for the package to check)."""
    if isinstance(entry, dict):
        return dict(entry, path=os.path.expanduser(str(entry.get("path", ""))))
    return os.path.expanduser(str(entry))


def _preload():
    """The bundled components, loaded when this module is imported.
    ansible-core imports an action plugin in its main process before it
    forks a worker per host (the linear and free strategies read the
    class's BYPASS_HOST_LOOP), so loading here is paid once per playbook
    run and every worker starts with the components ready."""
    if supervision is None:
        return None
    try:
        return _load()
    except Exception:  # the task itself reports it, in a worker
        return None


_PRELOADED = _preload()


def make_supervision(facilities=(), accept_unpinned=()):
    """The components: those loaded at import when the task adds no
    facility, else loaded now (the compiled code comes from the on-disk
    cache, so this costs milliseconds)."""
    if not facilities and _PRELOADED is not None:
        return _PRELOADED
    return _load(facilities, accept_unpinned)


def stdin_refusal(connection):
    """Why this connection cannot pass a script on standard input, or None."""
    if not connection.has_pipelining:
        return "the %s connection cannot pass a script on standard input" % connection.transport
    become = connection.become
    if become is None:
        return None
    if not become.pipelining:
        return "become method %s needs a terminal and cannot pass a script on standard input" % become.name
    if connection.transport == "local" and become.get_option("become_pass") and not connection.get_option("pipelining"):
        return "the local connection with a become password needs pipelining=true to pass a script"
    return None


class AnsibleRunner:
    """Runs scripts on the task's host through its connection: each script
    is one remote command, `/bin/sh -s` with the script on its standard
    input, with `become` applied. Counts the commands it ran."""

    def __init__(self, action):
        self._action = action
        self.commands = 0

    def __call__(self, script):
        refusal = stdin_refusal(self._action._connection)
        if refusal:
            raise AnsibleActionFail(refusal + "; use the ssh or local connection")
        self.commands += 1
        # A connection failure raises out of here and marks the host
        # unreachable; nothing catches it.
        result = self._action._low_level_execute_command("/bin/sh -s", sudoable=True, in_data=script.encode("utf-8"))
        return supervision.RunResult(
            stdout=result.get("stdout", ""),
            exit_code=result.get("rc"),
            stderr=result.get("stderr", ""),
        )


def secrets_in(value, found=None):
    """Values that must never appear in a result: the supervisord HTTP
    password and every environment value of the services (environment
    lines are redacted in diffs too). Short values (under 4 characters)
    are left: masking them would garble every message."""
    found = set() if found is None else found
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("password", "environment") and isinstance(item, str) and len(item) >= 4:
                found.add(item)
            elif key == "environment" and isinstance(item, dict):
                found.update(str(v) for v in item.values() if len(str(v)) >= 4)
            else:
                secrets_in(item, found)
    elif isinstance(value, list):
        for item in value:
            secrets_in(item, found)
    return found


def report_result(report, runner, diff):
    """A task result from a report."""
    # What a node says reaches a terminal through Ansible's output: its
    # control characters are shown, not acted on.
    shown = supervision.visible
    result = {
        "changed": report.outcome == "changed",
        "steps": [
            {
                "what": shown(step.what),
                "reason": shown(step.reason),
                "status": step.status,
                "message": shown(step.message),
            }
            for step in report.steps
        ],
        "programs": [
            {"name": shown(p.name), "state": p.state, "pid": p.pid, "detail": shown(p.detail)} for p in report.programs
        ],
        "round_trips": runner.commands,
    }
    if report.failed:
        result["failed"] = True
        result["msg"] = shown(report.error or "failed")
    if diff and report.diffs:
        result["diff"] = [{"prepared": text} for text in report.diffs]
    return result


def default_scope(task):
    """The scope of a task that names none: its role's name, so that roles
    compose (each removes only its own programs); outside a role,
    V(default)."""
    role = getattr(task, "_role", None)
    if role is None:
        return None
    try:
        name = role.get_name(include_role_fqcn=False)
    except Exception:  # a role without a name is no scope
        return None
    return name if isinstance(name, str) and name else None


def failure(error):
    """A task result for an error raised before or while planning."""
    lib = require_supervision()
    if isinstance(error, lib.ProviderError):
        return {
            "failed": True,
            "changed": False,
            "msg": "%s: %s" % (error.field, error.message) if error.field else error.message,
            "field": error.field,
            "kind": error.kind,
        }
    return {"failed": True, "changed": False, "msg": lib.visible(str(error))}


def scrubbed(result, secrets):
    """`result` with every secret value masked."""
    return remove_values(result, secrets) if secrets else result
