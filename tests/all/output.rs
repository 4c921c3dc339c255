//! What an operator sees: golden human output of a first converge, an
//! idempotent run, a change and a failure; live progress on a terminal;
//! `supd logs`.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::*;

/// Output with what changes from run to run (the node's directory, pids,
/// times) replaced by placeholders.
fn normalized(text: &str, root: &Path) -> String {
    let mut out = text.replace(&root.display().to_string(), "NODE");
    for (prefix, suffix) in [("pid ", ""), ("time=", "ms")] {
        let mut result = String::new();
        let mut rest = out.as_str();
        while let Some(at) = rest.find(prefix) {
            let after = &rest[at + prefix.len()..];
            let digits = after.chars().take_while(char::is_ascii_digit).count();
            result.push_str(&rest[..at + prefix.len()]);
            if digits > 0 && after[digits..].starts_with(suffix) {
                result.push('N');
            } else {
                result.push_str(&after[..digits]);
            }
            rest = &after[digits..];
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// Compares with tests/golden/<name>.txt (UPDATE_GOLDEN=1 rewrites it).
fn golden(name: &str, actual: &str) {
    let path = workspace().join("tests/golden").join(format!("{name}.txt"));
    if std::env::var("UPDATE_GOLDEN").is_ok() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    assert_eq!(
        actual, want,
        "{name}: the human output changed (UPDATE_GOLDEN=1 accepts it)"
    );
}

fn spec_text(port: u16, command: &str, ghost: bool) -> String {
    let mut text = format!(
        "[groups.web.settings]\ninstall = {{ strategy = \"pip\", version = \"4.3.0\" }}\n\
         [groups.web.services.app]\nfacility = \"app-deploy\"\n[groups.web.services.app.settings]\n\
         run-command = \"python3 -m http.server {port} --bind 127.0.0.1\"\n\
         [groups.web.services.worker.settings]\ncommand = {command:?}\nstartsecs = 1\n"
    );
    if ghost {
        text.push_str(
            "[groups.web.services.ghost.settings]\ncommand = \"/no/such/binary --serve\"\nstartsecs = 1\n",
        );
    }
    text
}

#[test]
fn human_output_of_a_first_converge_a_rerun_a_change_and_a_failure() {
    let node = SandboxNode::new("output-golden");
    let port = free_port();
    let target = node.address();
    let spec = |name: &str, command: &str, ghost: bool| {
        write_spec(&node.root, name, &spec_text(port, command, ghost))
    };
    let human = |spec: &Path| {
        let run = supd(&["apply", spec.to_str().unwrap(), "--node", &target]);
        normalized(&format!("{}{}", run.stdout, run.stderr), &node.root)
            .replace(&port.to_string(), "PORT")
    };
    let first = spec("first.toml", "sleep 1000", false);
    golden("first-converge", &human(&first));
    golden("idempotent", &human(&first));
    golden(
        "one-change",
        &human(&spec("change.toml", "sleep 1001", false)),
    );
    golden("failure", &human(&spec("failure.toml", "sleep 1001", true)));
}

#[test]
fn a_terminal_sees_live_progress_and_a_pipe_does_not() {
    let node = SandboxNode::new("output-live");
    let port = free_port();
    let spec = write_spec(
        &node.root,
        "spec.toml",
        &spec_text(port, "sleep 1000", false),
    );
    let supd_bin = env!("CARGO_BIN_EXE_supd");
    // script(1) gives supd a terminal.
    let out = Command::new("script")
        .args(["-qfec"])
        .arg(format!(
            "{supd_bin} apply {} --node {}",
            spec.display(),
            node.address()
        ))
        .arg("/dev/null")
        .env("XDG_CACHE_HOME", workspace().join("target/test-cache"))
        .output()
        .expect("script(1) runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("reading facts"),
        "a live line says what happens: {text}"
    );
    assert!(
        text.contains("waiting for"),
        "and waits are shown as they go: {text}"
    );
    assert!(text.contains("RECAP"), "{text}");
    // Through a pipe: no live line, and the output as before.
    let piped = supd(&["apply", spec.to_str().unwrap(), "--node", &node.address()]);
    assert!(!piped.stdout.contains("reading facts") && !piped.stderr.contains("reading facts"));
}

#[test]
fn logs_show_the_end_of_a_programs_log_and_follow_it() {
    let nodes = [
        SandboxNode::new("output-logs-a"),
        SandboxNode::new("output-logs-b"),
    ];
    let spec = write_spec(
        &nodes[0].root,
        "spec.toml",
        "[groups.web.settings]\ninstall = { strategy = \"pip\", version = \"4.3.0\" }\n\
         [groups.web.services.talker.settings]\n\
         command = \"sh -c 'i=0; while :; do i=$((i+1)); echo line $i; echo err $i >&2; sleep 0.2; done'\"\n\
         startsecs = 1\n",
    );
    let spec = spec.to_str().unwrap();
    let a = nodes[0].address();
    let b = nodes[1].address();
    supd(&["apply", spec, "--node", &a, "--node", &b]).expect_code(0);
    std::thread::sleep(Duration::from_secs(2));

    let tail = supd(&["logs", spec, "talker", "-n", "3", "--node", &a]);
    tail.expect_code(0);
    let lines: Vec<&str> = tail.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{tail:#?}");
    assert!(lines.iter().all(|l| l.starts_with("line ")), "{tail:#?}");
    let errs = supd(&["logs", spec, "talker", "-n", "2", "--stderr", "--node", &a]);
    assert!(
        errs.stdout.lines().all(|l| l.starts_with("err ")),
        "{errs:#?}"
    );

    let both = supd(&[
        "logs", spec, "talker", "-n", "1", "--node", &a, "--node", &b,
    ]);
    both.expect_code(0);
    for node in [&a, &b] {
        assert!(
            both.stdout
                .lines()
                .any(|l| l.starts_with(&format!("[web] {node} line "))),
            "each line names its node: {both:#?}"
        );
    }

    let missing = supd(&["logs", spec, "nobody", "--node", &a]);
    missing.expect_code(1);
    assert!(missing.stderr.contains("no program nobody"), "{missing:#?}");

    // -f follows until interrupted, then ends cleanly.
    let follow = Command::new(env!("CARGO_BIN_EXE_supd"))
        .args(["logs", spec, "talker", "-n", "1", "-f", "--node", &a])
        .env("XDG_CACHE_HOME", workspace().join("target/test-cache"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    Command::new("kill")
        .args(["-INT", &follow.id().to_string()])
        .status()
        .unwrap();
    let out = follow.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "Ctrl-C ends -f cleanly");
    let followed = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!(followed >= 5, "new lines kept coming: {followed}");
}
