"""Values kept in wasmtime's form between calls (`keep=True`, `Held`):
the components answer exactly as they do for canonical JSON, and a
converge reads no program, probe set or facts into Python."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import Sandbox
from supervision import LocalRunner, ProviderError, _held

SETTINGS = {"install": {"strategy": "pip", "version": "4.3.0"}}
SERVICES = {
    "web": {"settings": {"command": "sleep 1000", "startsecs": 0, "environment": {"MODE": "prod"}}},
    "app": {"facility": "app-deploy", "settings": {"run-command": "sleep 2000", "port": 8080}},
}


@pytest.fixture(scope="module")
def converged(sup):
    """One sandbox node converged to SERVICES, for every test here."""
    node = Sandbox(Path(tempfile.mkdtemp(prefix="supd-py-")))
    try:
        sup.converge(SETTINGS, SERVICES, LocalRunner(), root=str(node.root)).raise_for_outcome()
        yield node
    finally:
        node.kill()
        shutil.rmtree(node.root, ignore_errors=True)


def test_kept_values_give_what_canonical_json_gives(sup, converged):
    root = str(converged.root)
    prepared = sup.prepare(SETTINGS, SERVICES, root=root)
    programs = [p.program for p in prepared.programs]
    kept = [p.value for p in prepared.programs]
    assert all(isinstance(p, _held.Held) for p in kept)
    # In key order: app, then web.
    assert [p["command"] for p in programs] == ["sleep 2000", "sleep 1000"]

    declared = prepared.declaration
    probes = sup.provider.probes(prepared.settings, declared, programs, root)
    kept_probes = sup.provider.probes(prepared.settings, declared, kept, root, keep=True)
    assert kept_probes.value() == probes
    assert sup.node_script.facts_script(kept_probes) == sup.node_script.facts_script(probes)

    output = LocalRunner()(prepared.facts_script)
    facts = sup.facts(prepared, output)
    kept_facts = sup.facts(prepared, output, keep=True)
    assert kept_facts.value() == facts
    assert facts["gathered"] and facts["supervisors"], "facts of a running supervisord"

    # A changed program on both paths: a plan with steps in it.
    changed = dict(SERVICES, web={"settings": {"command": "sleep 1001", "startsecs": 0}})
    for services in (SERVICES, changed):
        again = sup.prepare(SETTINGS, services, root=root)
        plan = sup.plan(again, facts)
        kept_plan = sup.plan(again, kept_facts, keep=True)
        assert kept_plan.value() == plan
        options = sup.script_options(diff=True)
        assert sup.apply_script(kept_plan, options) == sup.apply_script(plan, options)
        assert sup.report(kept_plan, options, None, round_trips=1, facts=kept_facts) == sup.report(
            plan, options, None, round_trips=1, facts=facts
        )
    assert sup.plan(sup.prepare(SETTINGS, changed, root=root), facts)["steps"], "the change has steps"


def test_a_converge_reads_no_program_probe_or_fact_into_python(sup, converged, monkeypatch):
    root = str(converged.root)
    read = []
    real = _held.Held.value

    def reading(self):
        value = real(self)
        read.append(value)
        return value

    monkeypatch.setattr(_held.Held, "value", reading)
    report = sup.converge(SETTINGS, SERVICES, LocalRunner(), root=root)
    assert report.outcome == "ok" and len(report.programs) == 2
    read_kinds = {
        kind
        for value in read
        if isinstance(value, dict)
        for kind, key in (("program", "command"), ("probes", "pid-files"), ("facts", "supervisors"))
        if key in value
    }
    assert read_kinds == set(), f"read into Python: {read_kinds}"


def test_an_error_about_kept_programs_still_names_a_service(sup):
    # Two services, one program name: only check-programs sees both.
    services = {
        "web": {"settings": {"command": "sleep 1", "service-name": "same"}},
        "api": {"settings": {"command": "sleep 2", "service-name": "same"}},
    }
    with pytest.raises(ProviderError) as raised:
        sup.programs(services)
    assert raised.value.field == "services.web.settings.service-name", raised.value
    assert "more than one program" in raised.value.message


def test_a_held_value_copies_natively_and_refuses_pickling(sup):
    import copy
    import pickle
    from dataclasses import asdict

    program = sup.programs({"web": {"settings": {"command": "sleep 1"}}})[0]
    held = program.value
    twin = copy.copy(held)
    assert twin is not held and twin == held
    del twin  # each copy frees only its own memory
    assert copy.deepcopy(held).value()["command"] == "sleep 1"
    assert asdict(program)["value"] == held
    with pytest.raises(TypeError, match="pickle its value"):
        pickle.dumps(held)
    assert pickle.loads(pickle.dumps(held.value())) == held.value()


def test_a_held_value_of_the_wrong_type_is_the_hosts_error_not_a_trap(sup):
    program = sup.programs({"web": {"settings": {"command": "sleep 1"}}})[0]
    instance = sup.node_script._instance
    instance.call("logs-script", [[], "web", False, 1, False])
    live = instance._instance
    with pytest.raises(TypeError, match="another type"):
        sup.node_script.facts_script(program.value)
    assert instance._instance is live, "the component's instance was not thrown away as if it trapped"
