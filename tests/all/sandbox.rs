//! The harness against a local sandbox node with real supervisord from
//! PyPI: the README's main job, idempotence, check mode, bad input, status
//! and ctl.

use std::time::Duration;

use crate::support::*;

/// examples/web.toml with its port moved to `port`, so tests never collide
/// with the README's own run on 8080.
fn web_spec(dir: &std::path::Path, port: u16) -> std::path::PathBuf {
    let example = std::fs::read_to_string(workspace().join("examples/web.toml")).unwrap();
    assert!(example.contains("8080"), "examples/web.toml serves on 8080");
    write_spec(dir, "web.toml", &example.replace("8080", &port.to_string()))
}

#[test]
fn sandbox_web_example_converges_is_idempotent_and_restarts_on_request() {
    let node = SandboxNode::new("sandbox-web");
    let port = free_port();
    let spec = web_spec(&node.root, port);
    let spec = spec.to_str().unwrap();
    let target = node.address();
    let args = |cmd: &'static str| vec![cmd, spec, "--node", target.as_str(), "--format", "json"];

    let first = supd(&args("apply"));
    first.expect_code(0);
    let outcome = only_node(&first);
    assert_eq!(outcome["status"], "changed", "{first:#?}");
    assert!(outcome["changed"].as_u64().unwrap() >= 5, "{first:#?}");
    assert_eq!(
        http_status(port, Duration::from_secs(15)),
        Some(200),
        "the app answers on its port"
    );

    let before = fingerprint(&node.root, &["opt/supervisord/log", "opt/supervisord/run"]);
    let second = supd(&args("apply"));
    second.expect_code(0);
    let outcome = only_node(&second);
    assert_eq!(outcome["status"], "ok", "{second:#?}");
    assert_eq!(outcome["changed"], 0, "{second:#?}");
    assert_eq!(
        fingerprint(&node.root, &["opt/supervisord/log", "opt/supervisord/run"]),
        before,
        "a second apply writes nothing"
    );

    let status = supd(&args("status"));
    status.expect_code(0);
    let states = &only_node(&status)["programs"];
    assert_eq!(states[0]["name"], "example-app", "{status:#?}");
    assert_eq!(states[0]["state"], "RUNNING", "{status:#?}");
    let pid = program_pid(&status, "example-app").expect("a pid");

    let mut restart = args("ctl");
    restart.splice(2..2, ["restart", "example-app"]);
    supd(&restart).expect_code(0);
    let after = supd(&args("status"));
    let new_pid = program_pid(&after, "example-app").expect("a pid after restart");
    assert_ne!(pid, new_pid, "ctl restart gives the program a new pid");
    assert_eq!(http_status(port, Duration::from_secs(15)), Some(200));

    // The seed's SPI: starting a running service and stopping a stopped one
    // are not errors, and change nothing.
    let ctl = |action: &str| {
        let mut a = args("ctl");
        a.splice(2..2, [action, "example-app"]);
        supd(&a)
    };
    assert_eq!(only_node(ctl("start").expect_code(0))["changed"], 0);
    assert_eq!(only_node(ctl("stop").expect_code(0))["changed"], 1);
    assert_eq!(only_node(ctl("stop").expect_code(0))["changed"], 0);
    ctl("status").expect_code(1);
    assert_eq!(only_node(ctl("start").expect_code(0))["changed"], 1);
    ctl("status").expect_code(0);
}

#[test]
fn check_mode_changes_nothing_on_a_fresh_or_converged_node() {
    let node = SandboxNode::new("sandbox-check");
    let port = free_port();
    let spec = web_spec(&node.root, port);
    let spec = spec.to_str().unwrap();
    let target = node.address();

    std::fs::create_dir_all(node.root.join("etc")).unwrap();
    std::fs::write(node.root.join("etc/keep"), "untouched\n").unwrap();
    let before = fingerprint(&node.root, &[]);
    let check = supd(&[
        "apply", spec, "--node", &target, "--check", "--format", "json",
    ]);
    check.expect_code(2);
    assert_eq!(only_node(&check)["status"], "changed");
    assert_eq!(
        fingerprint(&node.root, &[]),
        before,
        "check mode wrote nothing on a fresh node"
    );

    supd(&["apply", spec, "--node", &target]).expect_code(0);
    let changed = write_spec(
        &node.root,
        "web-changed.toml",
        &std::fs::read_to_string(spec)
            .unwrap()
            .replace("--directory /usr/share/doc", "--directory /usr/share"),
    );
    let before = fingerprint(&node.root, &["opt/supervisord/log"]);
    let pid = node.supervisord_pid();
    let check = supd(&[
        "apply",
        changed.to_str().unwrap(),
        "--node",
        &target,
        "--check",
        "--diff",
        "--format",
        "json",
    ]);
    check.expect_code(2);
    let outcome = only_node(&check);
    let diff = outcome["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|step| step["diff"].as_str())
        .unwrap_or_default();
    assert!(
        diff.contains("+command=python3 -m http.server"),
        "check --diff shows the change: {check:#?}"
    );
    assert_eq!(
        fingerprint(&node.root, &["opt/supervisord/log"]),
        before,
        "check mode wrote nothing on a converged node"
    );
    assert_eq!(node.supervisord_pid(), pid);
}

#[test]
fn bad_spec_input_is_refused_with_its_line_and_changes_nothing() {
    let node = SandboxNode::new("sandbox-bad");
    let port = free_port();
    let spec = web_spec(&node.root, port);
    let good = std::fs::read_to_string(&spec).unwrap();
    let target = node.address();
    supd(&["apply", spec.to_str().unwrap(), "--node", &target]).expect_code(0);
    let before = fingerprint(&node.root, &["opt/supervisord/log"]);

    let cases = [
        (
            "unknown key in the spec",
            good.replace(
                "supervisor = \"supervisord\"\n\n# supervisord",
                "supervisor = \"supervisord\"\ncolour = \"red\"\n\n# supervisord",
            ),
            "colour",
            10,
        ),
        (
            "unknown key in provider settings",
            good.replace("install = {", "colour = \"red\"\ninstall = {"),
            "settings.colour",
            13,
        ),
        (
            "newline injected into the command",
            good.replace(
                "--directory /usr/share/doc",
                "--directory /usr/share/doc\\n[program:evil]\\ncommand=/bin/sh",
            ),
            "command",
            21,
        ),
        (
            "invalid program name",
            good.replace(
                "service-name = \"example-app\"",
                "service-name = \"example app\"",
            ),
            "name",
            22,
        ),
    ];
    for (case, text, needle, line) in cases {
        let path = write_spec(&node.root, "bad.toml", &text);
        let run = supd(&["apply", path.to_str().unwrap(), "--node", &target]);
        run.expect_code(3);
        let location = format!("bad.toml:{line}:");
        assert!(
            run.stderr.contains(&location),
            "{case}: the error names the line ({location}): {run:#?}"
        );
        assert!(
            run.stderr.contains(needle),
            "{case}: the error names {needle:?}: {run:#?}"
        );
        assert_eq!(
            fingerprint(&node.root, &["opt/supervisord/log", "bad.toml"]),
            before,
            "{case}: nothing changed"
        );
    }
}

#[test]
fn providers_lists_the_bundled_plugins() {
    let run = supd(&["providers", "--format", "json"]);
    run.expect_code(0);
    let json = run.json();
    assert_eq!(json["providers"][0]["name"], "supervisord");
    assert_eq!(json["providers"][0]["api-version"], "0.3.0");
    assert_eq!(json["facilities"][0]["name"], "app-deploy");
}

#[test]
fn a_facility_asked_for_a_supervisor_it_does_not_map_gives_the_seeds_error() {
    let dir = scratch("sandbox-not-implemented");
    let spec = write_spec(
        &dir,
        "spec.toml",
        "[groups.web]\nsupervisor = \"hostile\"\n[groups.web.services.app.settings]\nrun-command = \"sleep 1\"\n[groups.web.services.app]\nfacility = \"app-deploy\"\n",
    );
    let hostile = crate::containment::hostile().to_str().unwrap().to_string();
    let facility = workspace().join("target/components/app-deploy.wasm");
    let run = supd(&[
        "plan",
        spec.to_str().unwrap(),
        "--provider",
        &hostile,
        "--facility",
        facility.to_str().unwrap(),
        "--accept-unpinned",
        "hostile",
        "--accept-unpinned",
        "app-deploy",
        "--node",
        &format!("local:{}", dir.display()),
    ]);
    run.expect_code(3);
    assert!(
        run.stderr.contains(
            "hostile supervisor requested for app-deploy, but this has not been implemented"
        ),
        "{run:#?}"
    );
    assert!(
        run.stderr.contains("spec.toml:6:"),
        "points at the facility line: {run:#?}"
    );
}

#[test]
fn secrets_stay_out_of_output_and_in_private_files() {
    let node = SandboxNode::new("sandbox-secrets");
    let secret = "s3cret-token-value";
    let spec = write_spec(
        &node.root,
        "secret.toml",
        &format!(
            "[groups.app.settings]\ninstall = {{ strategy = \"pip\", version = \"4.3.0\" }}\n\
             [groups.app.services.worker.settings]\ncommand = \"sleep 1000\"\nstartsecs = 0\n\
             environment = {{ API_TOKEN = \"{secret}\" }}\n"
        ),
    );
    let target = node.address();
    for args in [
        vec![
            "apply",
            spec.to_str().unwrap(),
            "--node",
            &target,
            "--diff",
            "-v",
        ],
        vec![
            "apply",
            spec.to_str().unwrap(),
            "--node",
            &target,
            "--diff",
            "--format",
            "json",
        ],
        vec![
            "plan",
            spec.to_str().unwrap(),
            "--node",
            &target,
            "--format",
            "json",
        ],
    ] {
        let run = supd(&args);
        assert!(run.code == 0, "{run:#?}");
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{args:?} printed the secret: {run:#?}"
        );
    }
    let changed = write_spec(
        &node.root,
        "secret2.toml",
        &std::fs::read_to_string(&spec)
            .unwrap()
            .replace(secret, "rotated-token-value"),
    );
    let run = supd(&[
        "apply",
        changed.to_str().unwrap(),
        "--node",
        &target,
        "--diff",
    ]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("+environment=<redacted, changed>"),
        "the diff shows that the environment changed: {run:#?}"
    );
    assert!(
        !run.stdout.contains("rotated-token-value") && !run.stdout.contains(secret),
        "{run:#?}"
    );

    use std::os::unix::fs::PermissionsExt;
    let file = node.path("etc/conf.d/worker.conf");
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600,
        "files with environments are private"
    );
    let socket = node.path("run/supervisor.sock");
    assert_eq!(
        std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777,
        0o700,
        "the control socket is private"
    );
    let conf = std::fs::read_to_string(node.path("etc/supervisord.conf")).unwrap();
    assert!(
        !conf.contains("inet_http_server"),
        "no TCP control port unless asked"
    );
}

#[test]
fn applies_to_one_node_take_turns_and_a_held_lock_is_named() {
    let node = SandboxNode::new("sandbox-lock");
    let port = free_port();
    let spec = web_spec(&node.root, port);
    let spec = spec.to_str().unwrap().to_string();
    let target = node.address();
    let config = node.path("etc/supervisord.conf").display().to_string();
    let lock = supervisord_plugin::location::lock_path(node.root.to_str().unwrap(), &config);
    // The lock's directory is the login's alone, as the script makes it.
    std::fs::create_dir_all(std::path::Path::new(&lock).parent().unwrap()).unwrap();
    std::fs::set_permissions(
        std::path::Path::new(&lock).parent().unwrap(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();

    // Someone else holds the lock: the apply waits, then stops before any
    // step, naming the holder, and the node is as it was.
    std::fs::write(&lock, "pid 1, user ops, since today: a hand-held lock\n").unwrap();
    let mut holder = std::process::Command::new("flock")
        .args(["-x", &lock, "sleep", "30"])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let before = fingerprint(&node.root, &[]);
    let blocked = supd(&[
        "apply",
        &spec,
        "--node",
        &target,
        "--format",
        "json",
        "--lock-wait",
        "1",
    ]);
    let _ = holder.kill();
    let _ = holder.wait();
    blocked.expect_code(1);
    let error = only_node(&blocked)["error"].as_str().unwrap().to_string();
    assert!(
        error.contains("a hand-held lock") && error.contains("over 1s"),
        "the failure names who holds the lock: {error}"
    );
    assert_eq!(fingerprint(&node.root, &[]), before, "nothing changed");

    // Two applies at once: each waits for the other, both succeed, and
    // one supervisord runs.
    let runs: Vec<Run> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (spec, target) = (spec.clone(), target.clone());
                scope.spawn(move || supd(&["apply", &spec, "--node", &target, "--format", "json"]))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for run in &runs {
        run.expect_code(0);
    }
    let daemons = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| {
            std::fs::read(e.path().join("cmdline"))
                .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
                .is_ok_and(|c| c.contains("supervisord") && c.contains(&config))
        })
        .count();
    assert_eq!(daemons, 1, "one supervisord for the node");
    assert_eq!(http_status(port, Duration::from_secs(15)), Some(200));
}

#[test]
fn the_teardown_ends_every_program_not_only_the_daemon() {
    let node = SandboxNode::new("sandbox-teardown");
    let spec = write_spec(
        &node.root,
        "spec.toml",
        "[groups.t.settings]\ninstall = { strategy = \"pip\", version = \"4.3.0\" }\n\
         [groups.t.services.p1.settings]\ncommand = \"sleep 7771\"\nstartsecs = 0\n\
         [groups.t.services.p2.settings]\ncommand = \"sleep 7772\"\nstartsecs = 0\n",
    );
    let target = node.address();
    supd(&["apply", spec.to_str().unwrap(), "--node", &target]).expect_code(0);
    let alive = |command: &str| {
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter(|e| {
                std::fs::read(e.path().join("cmdline"))
                    .is_ok_and(|c| String::from_utf8_lossy(&c).replace('\0', " ").trim() == command)
            })
            .count()
    };
    assert_eq!(alive("sleep 7771"), 1);
    // Many rounds: a supervisord killed after its programs would have
    // started one again in between.
    for _ in 0..5 {
        kill_supervisord(&node.path("run/supervisord.pid"));
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            alive("sleep 7771") + alive("sleep 7772"),
            0,
            "no program outlives the teardown"
        );
        supd(&["apply", spec.to_str().unwrap(), "--node", &target]).expect_code(0);
    }
}
