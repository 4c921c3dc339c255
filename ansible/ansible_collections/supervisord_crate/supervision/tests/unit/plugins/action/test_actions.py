# Copyright: supervisord-crate developers; Eclipse Public License 1.0
"""The action plugins with a mocked task and connection, and scripts run by
this machine's `sh` on a sandbox directory: how many remote commands each
task runs, check mode, refused input, secrets, and the argument specs
against the modules' documentation."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from unittest.mock import MagicMock

import pytest
import yaml
from ansible_collections.supervisord_crate.supervision.plugins.action import (
    supervisord as supervisord_action,
)
from ansible_collections.supervisord_crate.supervision.plugins.action import (
    supervisord_program as program_action,
)
from ansible_collections.supervisord_crate.supervision.plugins.action import (
    supervisord_service as service_action,
)
from ansible_collections.supervisord_crate.supervision.plugins.doc_fragments import (
    components as components_doc,
)
from ansible_collections.supervisord_crate.supervision.plugins.modules import (
    supervisord as supervisord_doc,
)
from ansible_collections.supervisord_crate.supervision.plugins.modules import (
    supervisord_program as program_doc,
)
from ansible_collections.supervisord_crate.supervision.plugins.modules import (
    supervisord_service as service_doc,
)
from ansible_collections.supervisord_crate.supervision.plugins.plugin_utils import common, spec

from ansible.playbook.task import Task

SETTINGS = {"install": {"strategy": "pip", "version": "4.3.0"}}


@pytest.fixture
def root():
    path = tempfile.mkdtemp(prefix="supd-ansible-")
    yield path
    try:
        with open(os.path.join(path, "opt/supervisord/run/supervisord.pid")) as f:
            pid = int(f.read().strip())
        # Frozen first: a running supervisord restarts the programs killed
        # under it, and the new ones would outlive it.
        os.kill(pid, signal.SIGSTOP)
        subprocess.run(["pkill", "-KILL", "-P", str(pid)], check=False)
        os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError):
        pass
    shutil.rmtree(path, ignore_errors=True)


def action(module, args, check=False, diff=False):
    """An action plugin whose remote commands run in this machine's sh."""
    task = MagicMock(Task)
    task.args = args
    task.async_val = 0
    task.check_mode = check
    task.diff = diff
    task.no_log = False
    connection = MagicMock()
    connection.has_pipelining = True
    connection.become = None
    connection.transport = "local"
    connection._shell.tmpdir = None
    plugin = module.ActionModule(
        task, connection, play_context=MagicMock(), loader=None, templar=None, shared_loader_obj=None
    )
    plugin._load_name = module.__name__.rsplit(".", 1)[1]
    plugin.commands = []

    def execute(cmd, sudoable=True, in_data=None, **kwargs):
        assert cmd == "/bin/sh -s" and sudoable
        plugin.commands.append(in_data)
        done = subprocess.run(["sh", "-s"], input=in_data, capture_output=True, check=False)
        return {"rc": done.returncode, "stdout": done.stdout.decode(), "stderr": done.stderr.decode()}

    plugin._low_level_execute_command = execute
    return plugin


def services(command="sleep 1000"):
    return {
        "web": {"settings": {"command": command, "startsecs": 1, "environment": {"TOKEN": "s3cret-token"}}},
        "worker": {"settings": {"command": "sleep 2000", "startsecs": 1}},
    }


def test_converge_changes_then_is_idempotent_in_at_most_two_commands(root):
    first = action(supervisord_action, {"settings": SETTINGS, "services": services(), "root": root})
    result = first.run(task_vars={})
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert len(first.commands) == 2, "facts, then apply"
    assert result["round_trips"] == 2

    second = action(supervisord_action, {"settings": SETTINGS, "services": services(), "root": root})
    result = second.run(task_vars={})
    assert result["changed"] is False, result
    assert len(second.commands) == 1, "facts only"
    assert {p["name"]: p["state"] for p in result["programs"]} == {"web": "RUNNING", "worker": "RUNNING"}


def forked(work):
    """Runs `work()` in a forked child, as ansible-core runs a task in a
    worker; its exit status (0: it returned True), or a failure if it hangs."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = 0 if work() else 3
        finally:
            os._exit(code)
    for dummy in range(600):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("the forked worker hung")
    return -1


def test_components_load_at_import_and_serve_a_forked_worker(root):
    # ansible-core imports the action in its main process, then forks a
    # worker per host: the worker uses what the import loaded.
    assert common._PRELOADED is not None, "the bundled components load at import"
    assert common.make_supervision() is common._PRELOADED

    def prepare():
        prepared = common.make_supervision().prepare(SETTINGS, services(), root=root)
        return [p.program["name"] for p in prepared.programs] == ["web", "worker"]

    assert forked(prepare) == 0


def test_a_forked_worker_can_compile_and_trap(root):
    # A worker may compile (a facility from a path, a cold cache) and a
    # component may trap in it: neither may hang or crash the worker,
    # whatever its parent compiled before the fork.
    lib = common.require_supervision()
    runtime = lib.Runtime(cache_dir=False, fork_safe=True)
    lib.Facility(runtime=runtime)  # compiled in the parent

    def compile_and_trap():
        assert lib.Facility(runtime=runtime).name == "app-deploy"
        small = lib.Runtime(cache_dir=False, fork_safe=True, limits=lib.Limits(memory_bytes=4 << 20))
        provider = lib.Provider(runtime=small)
        try:
            provider.config_map("generic", '{"service-name": "a", "command": "%s"}' % ("x" * (16 << 20)))
        except lib.PluginTrap:
            return True
        return False

    assert forked(compile_and_trap) == 0


def test_check_mode_reports_changes_and_writes_nothing(root):
    plugin = action(
        supervisord_action,
        {"settings": SETTINGS, "services": services(), "root": root},
        check=True,
        diff=True,
    )
    result = plugin.run(task_vars={})
    assert result["changed"] is True, result
    assert os.listdir(root) == []
    assert any("would" in step["message"] for step in result["steps"]), result["steps"]
    assert "s3cret-token" not in repr(result), "secrets never reach the result"
    assert any("<redacted" in d["prepared"] for d in result["diff"]), result["diff"]


def test_a_refused_setting_fails_naming_the_field_before_any_command(root):
    plugin = action(
        supervisord_action,
        {"settings": SETTINGS, "services": {"web": {"settings": {"command": "a\nb"}}}, "root": root},
    )
    result = plugin.run(task_vars={})
    assert result["failed"] is True
    assert result["field"] == "services.web.settings.command"
    assert result["msg"].startswith("services.web.settings.command: ")
    assert plugin.commands == []
    assert os.listdir(root) == []


def test_unknown_arguments_fail_before_any_command(root):
    plugin = action(supervisord_action, {"settings": {}, "servises": {}})
    result = plugin.run(task_vars={})
    assert result["failed"] is True
    assert "servises" in result["msg"]
    assert plugin.commands == []


def test_a_connection_that_cannot_take_stdin_is_refused_clearly(root):
    plugin = action(supervisord_action, {"settings": SETTINGS, "services": {}, "root": root})
    plugin._connection.has_pipelining = False
    plugin._connection.transport = "paramiko"
    result = plugin.run(task_vars={})
    assert result["failed"] is True
    assert "paramiko" in result["msg"] and "standard input" in result["msg"]
    assert plugin.commands == []


def test_service_states_follow_the_seed(root):
    converge = action(supervisord_action, {"settings": SETTINGS, "services": services(), "root": root})
    assert converge.run(task_vars={})["changed"] is True

    def state(name, value, **extra):
        plugin = action(service_action, {"name": name, "state": value, "settings": SETTINGS, "root": root, **extra})
        return plugin.run(task_vars={}), plugin

    result, plugin = state("web", "started")
    assert result["changed"] is False, result
    assert len(plugin.commands) == 1, "a running program needs no second command"
    assert state("web", "stopped")[0]["changed"] is True
    assert state("web", "stopped")[0]["changed"] is False
    result, dummy = state("web", "restarted")
    assert result["changed"] is True, "restart starts a stopped program"
    assert state("all", "started")[0]["changed"] is False
    result, dummy = state("web", "signalled")
    assert result["failed"] is True and "signal" in result["msg"]
    assert state("web", "signalled", signal="HUP")[0]["changed"] is True


def test_a_program_of_its_own_composes_with_the_daemons_declaration(root):
    web = {"web": services()["web"]}
    converge = action(supervisord_action, {"settings": SETTINGS, "services": web, "root": root})
    assert converge.run(task_vars={})["changed"] is True

    def program(state, **extra):
        args = {"name": "worker", "state": state, "root": root, **extra}
        plugin = action(program_action, args)
        return plugin.run(task_vars={}), plugin

    worker = {"command": "sleep 2000", "startsecs": 1}
    result, plugin = program("present", settings=worker)
    assert result["changed"] is True, result
    # Neither declaration removes the other's program, and both are idempotent.
    again = action(supervisord_action, {"settings": SETTINGS, "services": web, "root": root})
    result = again.run(task_vars={})
    assert result["changed"] is False and len(again.commands) == 1, result
    result, plugin = program("present", settings=worker)
    assert result["changed"] is False and len(plugin.commands) == 1, result
    states = {p["name"]: p["state"] for p in result["programs"]}
    assert states == {"web": "RUNNING", "worker": "RUNNING"}, states
    # A service action needs no settings: the host records where supervisord lives.
    stop = action(service_action, {"name": "worker", "state": "stopped", "root": root})
    assert stop.run(task_vars={})["changed"] is True
    assert program("started", settings=worker)[0]["changed"] is True
    # The daemon's declaration may not take the program, and absent removes it.
    both = action(
        supervisord_action,
        {"settings": SETTINGS, "services": {**web, "worker": {"settings": worker}}, "root": root},
    )
    result = both.run(task_vars={})
    assert result["failed"] is True and "scope program:worker" in result["msg"], result
    result, plugin = program("absent")
    assert result["changed"] is True, result
    assert program("absent")[0]["changed"] is False


def _spec_from_doc(options):
    keys = ("type", "required", "default", "choices", "elements")
    return {name: {key: option[key] for key in keys if key in option} for name, option in options.items()}


@pytest.mark.parametrize(
    "doc, argument_spec",
    [
        (supervisord_doc.DOCUMENTATION, spec.SUPERVISORD_SPEC),
        (service_doc.DOCUMENTATION, spec.SUPERVISORD_SERVICE_SPEC),
        (program_doc.DOCUMENTATION, spec.SUPERVISORD_PROGRAM_SPEC),
    ],
    ids=["supervisord", "supervisord_service", "supervisord_program"],
)
def test_documentation_and_argument_spec_agree(doc, argument_spec):
    documentation = yaml.safe_load(doc)
    options = dict(documentation["options"])
    for fragment in documentation.get("extends_documentation_fragment", []):
        assert fragment == "supervisord_crate.supervision.components", fragment
        options.update(yaml.safe_load(components_doc.ModuleDocFragment.DOCUMENTATION)["options"])
    assert _spec_from_doc(options) == argument_spec
