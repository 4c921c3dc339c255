"""`converge` on a sandbox node with real supervisord from PyPI (the pip
strategy): the first run changes, the second changes nothing, a changed
command restarts only its program, check mode writes nothing and bad
settings change nothing."""

from __future__ import annotations

import pytest
import supervision
from supervision import LocalRunner, ProviderError

SETTINGS = {"install": {"strategy": "pip", "version": "4.3.0"}}


def services(web_command: str = "sleep 1000") -> dict:
    return {
        "web": {"settings": {"command": web_command, "startsecs": 1}},
        "worker": {"settings": {"command": "sleep 2000", "startsecs": 1}},
    }


def pids(sup, sandbox) -> dict:
    report = sup.status(LocalRunner(), settings=SETTINGS, root=str(sandbox.root))
    return {p.name: p.pid for p in report.programs}


def test_first_run_changes_second_changes_nothing(sup, sandbox):
    first = sup.converge(SETTINGS, services(), LocalRunner(), root=str(sandbox.root))
    assert first.outcome == "changed", first.error
    assert first.round_trips == 2
    assert {s.status for s in first.steps} <= {"ok", "changed"}
    running = pids(sup, sandbox)
    assert set(running) == {"web", "worker"} and all(running.values())

    files = sandbox.files()
    second = sup.converge(SETTINGS, services(), LocalRunner(), root=str(sandbox.root))
    assert second.outcome == "ok"
    assert second.changed == 0
    assert second.round_trips == 1, "an idempotent run only reads facts"
    assert sandbox.files() == files, "a second run writes nothing"
    assert pids(sup, sandbox) == running


def test_a_changed_command_restarts_only_that_program(sup, sandbox):
    sup.converge(SETTINGS, services(), LocalRunner(), root=str(sandbox.root)).raise_for_outcome()
    before = pids(sup, sandbox)
    changed = sup.converge(SETTINGS, services("sleep 1001"), LocalRunner(), root=str(sandbox.root))
    assert changed.outcome == "changed", changed.error
    after = pids(sup, sandbox)
    assert after["web"] != before["web"], "web restarted"
    assert after["worker"] == before["worker"], "worker untouched"


def test_check_mode_writes_nothing_and_reports_what_would_change(sup, sandbox):
    sup.converge(SETTINGS, services(), LocalRunner(), root=str(sandbox.root)).raise_for_outcome()
    files = sandbox.files()
    check = sup.converge(
        SETTINGS, services("sleep 1001"), LocalRunner(), root=str(sandbox.root), mode="check", diff=True
    )
    assert check.outcome == "changed"
    assert any(s.message.startswith("would write") for s in check.steps), check.steps
    assert any("+command=sleep 1001" in d for d in check.diffs), check.diffs
    assert sandbox.files() == files


def test_check_mode_on_a_fresh_node_creates_nothing(sup, sandbox):
    check = sup.converge(SETTINGS, services(), LocalRunner(), root=str(sandbox.root), mode="check")
    assert check.outcome == "changed"
    assert list(sandbox.root.iterdir()) == []


@pytest.mark.parametrize(
    "settings, services_, field",
    [
        ({"install": {"strategy": "apt"}}, services(), "settings.install.strategy"),
        ({"nonsense": 1}, services(), "settings.nonsense"),
        (SETTINGS, {"web": {"settings": {"command": "run\nevil"}}}, "services.web.settings.command"),
        (SETTINGS, {"web": {"settings": {"command": "x", "startsecs": -1}}}, "services.web.settings.startsecs"),
        (
            SETTINGS,
            {"web": {"settings": {"command": "x", "service-name": "a:b"}}},
            "services.web.settings.service-name",
        ),
        (SETTINGS, {"web": {"facility": "nobody-maps-this", "settings": {}}}, "services.web.facility"),
        (SETTINGS, {"app": {"facility": "app-deploy", "settings": {"port": 80}}}, "services.app.settings.run-command"),
        (SETTINGS, {"web": {"setings": {}}}, "services.web.setings"),
    ],
)
def test_bad_input_raises_provider_error_naming_the_field_and_writes_nothing(sup, sandbox, settings, services_, field):
    calls = []

    def runner(script):
        calls.append(script)
        return LocalRunner()(script)

    with pytest.raises(ProviderError) as raised:
        sup.converge(settings, services_, runner, root=str(sandbox.root))
    assert raised.value.field == field, raised.value
    assert isinstance(raised.value, ValueError)
    assert calls == [], "nothing ran on the node"
    assert list(sandbox.root.iterdir()) == []


def test_module_level_converge_uses_the_bundled_components(sandbox, tmp_path):
    report = supervision.converge(
        SETTINGS, services(), LocalRunner(), root=str(sandbox.root), cache_dir=tmp_path, mode="check"
    )
    assert report.outcome == "changed"
