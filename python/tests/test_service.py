"""The seed's service semantics through `service` on a sandbox node:
starting a running program is ok, stopping a stopped one is ok, restart
starts a stopped one, `*` with no programs is ok."""

from __future__ import annotations

from supervision import LocalRunner

SETTINGS = {"install": {"strategy": "pip", "version": "4.3.0"}}


def test_service_actions_follow_the_seed(sup, sandbox):
    root = str(sandbox.root)
    run = LocalRunner()
    empty = sup.converge(SETTINGS, {}, run, root=root)
    assert empty.outcome == "changed", empty.error
    assert sup.service("restart", "*", run, settings=SETTINGS, root=root).outcome == "ok"

    sup.converge(
        SETTINGS, {"web": {"settings": {"command": "sleep 1000", "startsecs": 1}}}, run, root=root
    ).raise_for_outcome()
    start = sup.service("start", "web", run, settings=SETTINGS, root=root)
    assert start.outcome == "ok", "starting a running program changes nothing"

    stop = sup.service("stop", "web", run, settings=SETTINGS, root=root)
    assert stop.outcome == "changed", stop.error
    again = sup.service("stop", "web", run, settings=SETTINGS, root=root)
    assert again.outcome == "ok", "stopping a stopped program changes nothing"
    assert {p.state for p in sup.status(run, settings=SETTINGS, root=root).programs} == {"STOPPED"}

    restart = sup.service("restart", "web", run, settings=SETTINGS, root=root)
    assert restart.outcome == "changed", "restart starts a stopped program"
    states = sup.status(run, settings=SETTINGS, root=root).programs
    assert [(p.name, p.state) for p in states] == [("web", "RUNNING")]

    signal = sup.service("signal", "web", run, settings=SETTINGS, root=root, signal="HUP")
    assert signal.outcome == "changed", signal.error
