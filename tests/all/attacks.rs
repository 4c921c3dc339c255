//! SECURITY.md's attacks, played by unprivileged users on Debian test
//! nodes (or, where the attacker is the login's working directory, on a
//! sandbox): each leaves root's files as they were, and the apply either
//! succeeds or fails naming what it refused. Races are made deterministic:
//! the attacker acts after the facts and before the apply script runs (an
//! `sh` early on the node's PATH runs the attack, as the attacker, when it
//! is handed an apply script).

use std::time::Duration;

use crate::e2e::{VOLATILE, apply, node_text, sleepers, spec};
use crate::support::*;
use crate::testbed::{self, TestNode};

/// Quotes a word for sh.
fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// Runs `command` on the node as root; panics with its output when it fails.
fn root(node: &TestNode, command: &str) -> String {
    node_text(node, command)
}

/// Runs `command` on the node as `user`; whether it succeeded.
fn as_user(node: &TestNode, user: &str, command: &str) -> bool {
    node.ssh(&format!("su -s /bin/sh -c {} {user}", quote(command)))
        .status
        .success()
}

/// Makes the unprivileged user `name` (with a home of its own).
fn user(node: &TestNode, name: &str) {
    root(
        node,
        &format!("id -u {name} >/dev/null 2>&1 || useradd -m -s /bin/sh {name}"),
    );
}

/// From now on, `attack` runs as `user` after the facts and before each
/// apply script.
fn pause_before_apply(node: &TestNode, user: &str, attack: &str) {
    let wrapper = format!(
        "#!/bin/sh\n\
         # The test's attacker: acts between the facts and the apply.\n\
         if [ \"$1\" = -s ]; then\n\
         \x20   script=$(mktemp); cat > \"$script\"\n\
         \x20   if grep -q '^supd_main() {{' \"$script\"; then\n\
         \x20       su -s /bin/sh -c {} {user} >/dev/null 2>&1\n\
         \x20   fi\n\
         \x20   exec /bin/sh \"$@\" < \"$script\"\n\
         fi\n\
         exec /bin/sh \"$@\"\n",
        quote(attack)
    );
    let out = node.ssh_with_input(
        "cat > /usr/local/bin/sh && chmod 755 /usr/local/bin/sh",
        &wrapper,
    );
    assert!(out.status.success(), "{out:?}");
}

/// A pip supervisord that runs as `supvtest`, with one program.
fn pip_as_user(name: &str, nodes: &[TestNode], extra: &str, services: &str) -> std::path::PathBuf {
    spec(
        name,
        nodes,
        &format!(
            "install = {{ strategy = \"pip\", version = \"4.3.0\" }}\nuser = \"supvtest\"\n{extra}"
        ),
        services,
    )
}

#[test]
fn attack_1_the_supervisor_user_cannot_change_supervisords_configuration() {
    let Some(nodes) = testbed::nodes("attack_1", 1) else {
        return;
    };
    let node = &nodes[0];
    let services = format!(
        "{}[groups.web.services.secret.settings]\ncommand = \"sleep 1001\"\nstartsecs = 0\nenvironment = {{ TOKEN = \"s3cret-value\" }}\n",
        sleepers(&[("plain", "sleep 1000")])
    );
    let spec = pip_as_user("attack_1", &nodes, "", &services);
    apply(&spec).expect_code(0);
    let etc = "/opt/supervisord/etc";
    assert_eq!(
        root(
            node,
            &format!(
                "stat -c '%U:%G %a' {etc} {etc}/conf.d {etc}/supervisord.conf {etc}/conf.d/plain.conf {etc}/conf.d/secret.conf"
            )
        ),
        "root:root 755\nroot:root 755\nroot:supvtest 644\nroot:supvtest 644\nroot:supvtest 640",
        "the configuration is root's; secrets readable by supervisord's group"
    );
    for attack in [
        format!("sed -i /^user=/d {etc}/supervisord.conf"),
        format!("echo '[program:evil]' >> {etc}/conf.d/plain.conf"),
        format!("printf '[program:evil]\\ncommand=/bin/sh\\n' > {etc}/conf.d/evil.conf"),
        format!("mv {etc}/conf.d/plain.conf {etc}/conf.d/moved.conf"),
    ] {
        assert!(!as_user(node, "supvtest", &attack), "refused: {attack}");
    }
    assert!(as_user(
        node,
        "supvtest",
        &format!("cat {etc}/conf.d/secret.conf >/dev/null")
    ));
    // A node converged before this: files of the supervisor user's are
    // taken back, and supervisord (reloaded as supvtest) still reads them.
    root(
        node,
        &format!("chown supvtest {etc}/supervisord.conf {etc}/conf.d/plain.conf"),
    );
    let changed = pip_as_user(
        "attack_1-debug",
        &nodes,
        "supervisord = { loglevel = \"debug\" }",
        &services,
    );
    apply(&changed).expect_code(0);
    assert_eq!(
        root(
            node,
            &format!("stat -c '%U' {etc}/supervisord.conf {etc}/conf.d/plain.conf")
        ),
        "root\nroot"
    );
    let status = root(
        node,
        "/opt/supervisord/venv/bin/supervisorctl -c /opt/supervisord/etc/supervisord.conf status",
    );
    assert_eq!(status.matches("RUNNING").count(), 2, "{status}");
}

#[test]
fn attack_2_a_link_planted_on_the_way_to_a_log_directory_is_refused() {
    let Some(nodes) = testbed::nodes("attack_2", 1) else {
        return;
    };
    let node = &nodes[0];
    user(node, "app");
    let services = "[groups.web.services.app.settings]\ncommand = \"sleep 1000\"\nstartsecs = 0\nuser = \"app\"\nstdout-logfile = \"/home/app/logs/out.log\"\n";
    let spec = spec(
        "attack_2",
        &nodes,
        "install = { strategy = \"pip\", version = \"4.3.0\" }",
        services,
    );
    // /home/app/logs is missing when the facts are read; then app points
    // it at /etc.
    pause_before_apply(node, "app", "ln -s /etc /home/app/logs");
    let before = root(node, "stat -c '%U %a' /etc");
    let run = apply(&spec);
    run.expect_code(1);
    let error = only_node(&run)["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(error.contains("symbolic link"), "{run:#?}");
    assert_eq!(
        root(node, "stat -c '%U %a' /etc"),
        before,
        "/etc is untouched"
    );
    // Once the link is gone, the next apply converges.
    root(node, "rm /usr/local/bin/sh /home/app/logs");
    apply(&spec).expect_code(0);
    assert_eq!(root(node, "stat -c '%U' /home/app/logs"), "app");
}

#[test]
fn attack_3_root_writes_nothing_where_the_supervisor_user_can_plant_links() {
    let Some(nodes) = testbed::nodes("attack_3", 1) else {
        return;
    };
    let node = &nodes[0];
    root(
        node,
        "mkdir -p /srv && echo v1 > /srv/app.jar && echo precious > /etc/precious",
    );
    let services = "[groups.web.services.app.settings]\ncommand = \"sleep 1000\"\nstartsecs = 0\nwatch = [\"/srv/app.jar\"]\n";
    let spec = pip_as_user("attack_3", &nodes, "", services);
    apply(&spec).expect_code(0);
    // The supervisor user owns the run directory: it plants links at every
    // name root wrote there before, and at predictable temporary names.
    let run_dir = "/opt/supervisord/run";
    let planted = format!(
        "for n in supervisord-crate.watch .supd-tmp.1.0 .supervisord-crate.applied; do ln -sf /etc/precious {run_dir}/$n; done"
    );
    assert!(as_user(node, "supvtest", &planted));
    root(node, "echo v2 > /srv/app.jar");
    apply(&spec).expect_code(0);
    assert_eq!(root(node, "cat /etc/precious"), "precious");
    assert!(
        root(node, "cat /run/supervisord-crate/watch.default").contains("/srv/app.jar"),
        "the record is root's own"
    );
    assert_eq!(
        root(node, "stat -c '%U %a' /run/supervisord-crate"),
        "root 700"
    );
    assert!(
        !as_user(node, "supvtest", "cat /run/supervisord-crate/*"),
        "who holds the lock is nobody else's business"
    );
}

#[test]
fn attack_4_a_local_user_cannot_hold_or_replace_the_apply_lock() {
    let Some(nodes) = testbed::nodes("attack_4", 1) else {
        return;
    };
    let node = &nodes[0];
    user(node, "mallory");
    let spec = spec(
        "attack_4",
        &nodes,
        "install = { strategy = \"pip\", version = \"4.3.0\" }",
        &sleepers(&[("a", "sleep 1000")]),
    );
    // The lock's directory, made first by someone else: refused, nothing
    // done.
    root(
        node,
        "mkdir -m 700 /run/supervisord-crate && chown mallory /run/supervisord-crate",
    );
    let clean = fingerprint(&node.upper(), VOLATILE);
    let run = apply(&spec);
    run.expect_code(1);
    assert!(
        only_node(&run)["error"]
            .as_str()
            .unwrap_or_default()
            .contains("must be root's alone"),
        "{run:#?}"
    );
    assert_eq!(
        fingerprint(&node.upper(), VOLATILE),
        clean,
        "nothing installed"
    );
    // Root's own: nobody else can open it to hold it, and the old /tmp
    // lock means nothing.
    root(node, "rm -r /run/supervisord-crate");
    assert!(as_user(
        node,
        "mallory",
        "touch /tmp/supervisord-crate.lock; (flock -s 9; sleep 60) 9</tmp/supervisord-crate.lock >/dev/null 2>&1 & sleep 0.2"
    ));
    apply(&spec).expect_code(0);
    let lock = root(node, "ls /run/supervisord-crate/lock.*");
    assert!(
        !as_user(node, "mallory", &format!("flock -s -n {lock} true")),
        "mallory cannot take the lock"
    );
    let run = supd(&[
        "apply",
        spec.to_str().unwrap(),
        "--format",
        "json",
        "--lock-wait",
        "5",
    ]);
    run.expect_code(0);
}

#[test]
fn attack_5_python_imports_nothing_from_the_logins_directory() {
    let node = SandboxNode::new("attack-5");
    let evil = node.root.join("cwd");
    std::fs::create_dir_all(&evil).unwrap();
    let marker = node.root.join("imported");
    for module in ["re", "binascii", "os", "socket", "json"] {
        std::fs::write(
            evil.join(format!("{module}.py")),
            format!(
                "open({:?}, 'a').write('{module}\\n')\nraise SystemExit(0)\n",
                marker.display().to_string()
            ),
        )
        .unwrap();
    }
    let spec = write_spec(
        &node.root,
        "spec.toml",
        &format!(
            "[groups.web]\nnodes = [{:?}]\n[groups.web.settings]\ninstall = {{ strategy = \"pip\", version = \"4.3.0\" }}\n[groups.web.services.app.settings]\ncommand = \"sleep 1000\"\nstartsecs = 0\n",
            node.address()
        ),
    );
    for _ in 0..2 {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_supd"))
            .args(["apply", spec.to_str().unwrap()])
            .current_dir(&evil)
            .env("XDG_CACHE_HOME", workspace().join("target/test-cache"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    assert!(
        !marker.exists(),
        "imported: {:?}",
        std::fs::read_to_string(&marker)
    );
}

#[test]
fn attack_7_a_program_that_forges_its_name_forges_no_fact() {
    let node = SandboxNode::new("attack-7");
    let conf = node.path("etc/conf.d/web.conf").display().to_string();
    // supervisord names a process in its environment; a program can
    // re-exec with another name, one that holds a facts line of its own.
    let forged = format!("x\nhead\t{conf}\t; Managed by supervisord-crate (scope evil): x");
    let command = format!(
        "python3 -c 'import os; os.execve(\"/bin/sleep\", [\"sleep\", \"1000\"], dict(os.environ, SUPERVISOR_PROCESS_NAME={forged:?}))'"
    );
    let spec = write_spec(
        &node.root,
        "spec.toml",
        &format!(
            "[groups.web]\nnodes = [{:?}]\n[groups.web.settings]\ninstall = {{ strategy = \"pip\", version = \"4.3.0\" }}\n[groups.web.services.web.settings]\ncommand = {:?}\nstartsecs = 0\n",
            node.address(),
            command,
        ),
    );
    let args = ["apply", spec.to_str().unwrap(), "--format", "json"];
    supd(&args).expect_code(0);
    std::thread::sleep(Duration::from_millis(500));
    // Its process table is not believed: supervisord is asked, and the
    // plan is empty, as it should be.
    let again = supd(&args);
    again.expect_code(0);
    assert_eq!(
        (
            only_node(&again)["changed"].as_u64(),
            only_node(&again)["round_trips"].as_u64()
        ),
        (Some(0), Some(1)),
        "{again:#?}"
    );
}

#[test]
fn attack_9_escape_sequences_from_a_program_reach_no_terminal() {
    let node = SandboxNode::new("attack-9");
    let spec = write_spec(
        &node.root,
        "spec.toml",
        &format!(
            "[groups.web]\nnodes = [{:?}]\n[groups.web.settings]\ninstall = {{ strategy = \"pip\", version = \"4.3.0\" }}\n[groups.web.services.web.settings]\ncommand = \"sh -c 'printf \\\"\\\\033]0;owned\\\\007\\\\033[2J\\\\n\\\"; exit 3'\"\nstartsecs = 1\nstartretries = 0\n",
            node.address()
        ),
    );
    let run = supd(&["apply", spec.to_str().unwrap()]);
    run.expect_code(1);
    let shown = format!("{}{}", run.stdout, run.stderr);
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
        "{shown:?}"
    );
    assert!(
        shown.contains("\\x1b]0;owned\\x07"),
        "the log tail is shown: {shown}"
    );
}

#[test]
fn attack_10_kept_scripts_stay_private() {
    let node = SandboxNode::new("attack-10");
    let spec = write_spec(
        &node.root,
        "spec.toml",
        &format!(
            "[groups.web]\nnodes = [{:?}]\n[groups.web.settings]\ninstall = {{ strategy = \"pip\", version = \"4.3.0\" }}\n",
            node.address()
        ),
    );
    let keep = |dir: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_supd"))
            .args(["plan", spec.to_str().unwrap()])
            .env("SUPD_KEEP_SCRIPTS", dir)
            .env("XDG_CACHE_HOME", workspace().join("target/test-cache"))
            .output()
            .unwrap()
    };
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let private = node.root.join("kept");
    assert!(keep(&private).status.success());
    assert_eq!(std::fs::metadata(&private).unwrap().mode() & 0o777, 0o700);
    let kept: Vec<_> = std::fs::read_dir(&private).unwrap().flatten().collect();
    assert!(!kept.is_empty(), "the facts script is kept");
    for file in &kept {
        assert_eq!(file.metadata().unwrap().mode() & 0o777, 0o600, "{file:?}");
    }
    let open = node.root.join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = keep(&open);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a directory of this user's alone"),
        "{out:?}"
    );
    assert_eq!(
        std::fs::read_dir(&open).unwrap().count(),
        0,
        "nothing kept where others can read"
    );
}

#[test]
fn attack_11_a_virtual_environment_cut_short_is_made_again() {
    let node = SandboxNode::new("attack-11");
    // `python3 -m venv` killed before pip was in: a python, no pip.
    let venv = node.path("venv");
    std::fs::create_dir_all(venv.parent().unwrap()).unwrap();
    let made = std::process::Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status()
        .unwrap();
    assert!(made.success());
    assert!(venv.join("bin/python").exists() && !venv.join("bin/pip").exists());
    let spec = write_spec(
        &node.root,
        "spec.toml",
        &format!(
            "[groups.web]\nnodes = [{:?}]\n[groups.web.settings]\ninstall = {{ strategy = \"pip\", version = \"4.3.0\" }}\n[groups.web.services.app.settings]\ncommand = \"sleep 1000\"\nstartsecs = 0\n",
            node.address()
        ),
    );
    let run = supd(&["apply", spec.to_str().unwrap(), "--format", "json"]);
    run.expect_code(0);
    assert!(venv.join("bin/pip").exists(), "made again, with pip");
}
