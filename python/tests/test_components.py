"""The components as untrusted code: bounds, the code cache, refusals; and
the runner contract."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import supervision
from supervision import (
    ComponentError,
    FactsError,
    Limits,
    PinError,
    PluginLimitError,
    Provider,
    ProviderError,
    RunResult,
    Runtime,
)

WORKSPACE = Path(__file__).resolve().parents[2]


def test_the_code_cache_is_used_and_a_bad_entry_is_a_miss(tmp_path):
    first = Runtime(cache_dir=tmp_path)
    Provider(runtime=first)
    assert first.last_load == "compiled"
    entries = list(tmp_path.glob("*.bin"))
    assert len(entries) == 1, entries

    second = Runtime(cache_dir=tmp_path)
    Provider(runtime=second)
    assert second.last_load == "cached"

    entries[0].write_bytes(b"not compiled code")
    third = Runtime(cache_dir=tmp_path)
    provider = Provider(runtime=third)
    assert third.last_load == "compiled", "a corrupt entry is recompiled"
    assert provider.info["api-version"] == "0.3.0"


def test_no_cache_compiles_every_time(tmp_path):
    runtime = Runtime(cache_dir=False)
    Provider(runtime=runtime)
    assert runtime.last_load == "compiled"
    assert list(tmp_path.iterdir()) == []


def test_a_call_over_its_fuel_bound_raises_a_limit_error_and_the_next_call_works():
    runtime = Runtime(cache_dir=False, limits=Limits(fuel=20_000_000))
    provider = Provider(runtime=runtime)
    huge = [
        {"settings": {"command": f"sleep {i}", "environment": {f"V{j}": "x" * 50 for j in range(40)}}}
        for i in range(400)
    ]
    sup = supervision.Supervision(provider=provider, cache_dir=False)
    with pytest.raises(PluginLimitError) as raised:
        sup.programs({f"p{i}": s for i, s in enumerate(huge)})
    assert "fuel" in str(raised.value)
    assert raised.value.call == "check-programs"
    assert provider.info["name"] == "supervisord"
    assert provider.config_map("generic", {"service-name": "a", "command": "x"})["name"] == "a"


def test_types_are_asked_once_per_function_not_at_every_call(sup, monkeypatch):
    # wasmtime-py re-reads a function's whole type over FFI at every call
    # unless the package keeps it (converging 50 programs spent half its
    # controller CPU there); every later call must read no type at all.
    from wasmtime.component import _types

    services = {f"p{i}": {"settings": {"command": f"sleep {i}"}} for i in range(3)}
    sup.programs(services)
    real = _types.valtype_from_ptr
    reads = []

    def counting(ptr):
        reads.append(1)
        return real(ptr)

    monkeypatch.setattr(_types, "valtype_from_ptr", counting)
    programs = sup.programs(services)
    assert [p.program["command"] for p in programs] == ["sleep 0", "sleep 1", "sleep 2"]
    assert reads == [], f"{len(reads)} type reads on calls whose types were already known"


def test_a_component_that_imports_wasi_is_refused():
    hostile = WORKSPACE / "target" / "components" / "hostile.wasm"
    if not hostile.exists():
        pytest.skip("the hostile fixture is built by the Rust tests (cargo test)")
    with pytest.raises(ComponentError) as raised:
        Provider(hostile, runtime=Runtime(cache_dir=False))
    assert "import" in str(raised.value)


def test_a_file_that_is_not_a_component_is_refused(tmp_path):
    bogus = tmp_path / "bogus.wasm"
    bogus.write_bytes(b"\0asm not really")
    with pytest.raises(ComponentError):
        Provider(bogus, runtime=Runtime(cache_dir=False))
    with pytest.raises(ComponentError):
        Provider(tmp_path / "missing.wasm", runtime=Runtime(cache_dir=False))


def test_runner_answers_in_every_documented_form():
    assert RunResult.of(("out", 0)) == RunResult("out", 0, "")
    assert RunResult.of((b"out", 1, b"err")) == RunResult("out", 1, "err")
    assert RunResult.of(RunResult("x", None)) == RunResult("x", None)
    with pytest.raises(TypeError):
        RunResult.of("just text")


def test_facts_that_did_not_finish_raise_facts_error_with_stderr(sup):
    with pytest.raises(FactsError) as raised:
        sup.converge({}, {}, lambda script: ("os\tID\tdebian\n", 2, "sh: boom\n"))
    assert "did not finish" in str(raised.value)
    assert raised.value.stderr == "sh: boom\n"


def test_service_arguments_are_checked_before_the_node_is_touched(sup):
    def never(script):
        raise AssertionError("the node was touched")

    with pytest.raises(ProviderError) as raised:
        sup.service("explode", "web", never)
    assert raised.value.field == "action"
    with pytest.raises(ProviderError) as raised:
        sup.service("signal", "web", never, signal="SIGNOPE")
    assert raised.value.field == "signal"
    with pytest.raises(ProviderError) as raised:
        sup.converge({}, {}, never, mode="yolo")
    assert raised.value.field == "mode"


def test_a_misspelt_key_gets_the_closest_one_suggested(sup):
    def never(script):
        raise AssertionError("the node was touched")

    with pytest.raises(ProviderError) as raised:
        sup.converge({}, {"web": {"settings": {"comand": "sleep 1"}}}, never)
    assert raised.value.field == "services.web.settings.comand"
    assert raised.value.message == "unknown field `comand`; did you mean `command`?"
    with pytest.raises(ProviderError) as raised:
        sup.converge({}, {"web": {"setings": {}}}, never)
    assert raised.value.message == 'unknown key "setings"; did you mean "settings"?'


def test_a_runner_ends_a_script_that_talks_too_much_or_too_long():
    import time

    from supervision import LocalRunner, NodeError

    with pytest.raises(NodeError, match="more than 0 MiB"):
        LocalRunner(max_output=1024)("yes flood-of-lines\n")
    started = time.monotonic()
    with pytest.raises(NodeError, match="deadline of 1 s"):
        LocalRunner(timeout=1)("sleep 30\n")
    assert time.monotonic() - started < 20, "killed, not waited for"


def _app_deploy():
    """A third-party copy of the bundled app-deploy facility: (path, sha256)."""
    import hashlib

    path = Path(os.environ.get("SUPERVISION_COMPONENTS_DIR", "")) / "app-deploy.wasm"
    if not path.is_file():
        from supervision._runtime import bundled

        path = Path(tempfile.mkdtemp()) / "app-deploy.wasm"
        path.write_bytes(bundled("app-deploy"))
    return str(path), hashlib.sha256(path.read_bytes()).hexdigest()


APP = {"app": {"facility": "app-deploy", "settings": {"run-command": "/srv/app/run", "user": "app"}}}


def test_a_third_party_facility_loads_only_pinned_or_accepted_by_name(sup):
    path, digest = _app_deploy()
    runtime = sup.runtime
    with pytest.raises(PinError, match=f"has sha256 {digest}, but it is pinned to {'ab' * 32}"):
        supervision.Supervision(runtime=runtime, facilities=[{"path": path, "sha256": "ab" * 32}])
    with pytest.raises(PinError, match=r"is not pinned: give its sha256 .*accept_unpinned=\['app-deploy'\]"):
        supervision.Supervision(runtime=runtime, facilities=[path])
    with pytest.raises(PinError, match="is not a SHA-256"):
        supervision.Supervision(runtime=runtime, facilities=[{"path": path, "sha256": 0}])
    with pytest.raises(ProviderError) as unknown:
        supervision.Supervision(runtime=runtime, facilities=[{"path": path, "digest": digest}])
    assert unknown.value.field == "facilities.0.digest"
    accepted = supervision.Supervision(runtime=runtime, facilities=[path], accept_unpinned=["app-deploy"])
    assert accepted.facilities[0].pinned is False
    pinned = supervision.Supervision(runtime=runtime, facilities=[{"path": path, "sha256": digest.upper()}])
    assert (pinned.facilities[0].sha256, pinned.facilities[0].grant) == (
        digest,
        {"users": [], "paths": [], "environment": []},
    )
    assert pinned.programs(APP)[0].program["user"] == "app"


def test_a_third_party_facilitys_programs_are_held_to_its_grant(sup):
    path, digest = _app_deploy()
    grant = {"users": ["web"]}
    held = supervision.Supervision(runtime=sup.runtime, facilities=[{"path": path, "sha256": digest, "grant": grant}])
    with pytest.raises(ProviderError) as refused:
        held.programs(APP)
    assert refused.value.field == "services.app.facility"
    assert "facility app-deploy: its program runs as app (user), which its grant (users: web)" in refused.value.message
    # The bundled one is pinned by the build and needs no grant.
    rootless = {"app": {"facility": "app-deploy", "settings": {"run-command": "/srv/app/run"}}}
    assert sup.programs(rootless)[0].program["user"] is None
    with pytest.raises(ProviderError, match="runs as supervisord's own"):
        held.programs(rootless)
