//! `(settings, facts) -> install plan`, for every OS family and strategy.

use pretty_assertions::assert_eq;
use supervisord_plugin::bindings::{InitSystem, NodeFacts};

use crate::support::*;

fn steps(settings: &str, facts: &NodeFacts) -> Vec<String> {
    describe(&install_plan(settings, facts).unwrap_or_else(|e| panic!("{e:?}")))
}

#[test]
fn fresh_nodes_of_every_family() {
    let debian_cmd = "command /usr/bin/supervisord -c /etc/supervisor/supervisord.conf";
    let cases: Vec<(&str, NodeFacts, Vec<String>)> = vec![
        (
            "debian container, packages",
            debian(),
            vec![
                "packages apt supervisor".into(),
                "dir /etc/supervisor 755".into(),
                "dir /etc/supervisor/conf.d 755".into(),
                "dir /var/log/supervisor 755".into(),
                "file /etc/supervisor/supervisord.conf 644".into(),
                format!("daemon restarted via {debian_cmd} after [4, 0]"),
                format!("daemon running via {debian_cmd}"),
            ],
        ),
        (
            "ubuntu with sysvinit",
            node("ubuntu", "22.04", &["debian"], InitSystem::Sysvinit),
            vec![
                "packages apt supervisor".into(),
                "dir /etc/supervisor 755".into(),
                "dir /etc/supervisor/conf.d 755".into(),
                "dir /var/log/supervisor 755".into(),
                "file /etc/supervisor/supervisord.conf 644".into(),
                "daemon restarted via init-script /etc/init.d/supervisor after [4, 0]".into(),
                "daemon running via init-script /etc/init.d/supervisor".into(),
            ],
        ),
        (
            "rocky 9 with systemd: EPEL first, dnf",
            node(
                "rocky",
                "9.4",
                &["rhel", "centos", "fedora"],
                InitSystem::Systemd,
            ),
            vec![
                "packages dnf epel-release".into(),
                "packages dnf supervisor".into(),
                "dir /etc/supervisord.d 755".into(),
                "dir /var/log/supervisor 755".into(),
                "dir /run/supervisor 755".into(),
                "file /etc/supervisord.conf 644".into(),
                "daemon restarted via systemd supervisord.service after [5, 0, 1]".into(),
                "daemon running via systemd supervisord.service".into(),
                "command systemctl enable supervisord.service".into(),
            ],
        ),
        (
            "centos 7: yum",
            node("centos", "7", &["rhel", "fedora"], InitSystem::Systemd),
            vec![
                "packages yum epel-release".into(),
                "packages yum supervisor".into(),
                "dir /etc/supervisord.d 755".into(),
                "dir /var/log/supervisor 755".into(),
                "dir /run/supervisor 755".into(),
                "file /etc/supervisord.conf 644".into(),
                "daemon restarted via systemd supervisord.service after [5, 0, 1]".into(),
                "daemon running via systemd supervisord.service".into(),
                "command systemctl enable supervisord.service".into(),
            ],
        ),
        (
            "fedora: no EPEL",
            node("fedora", "40", &[], InitSystem::Systemd),
            vec![
                "packages dnf supervisor".into(),
                "dir /etc/supervisord.d 755".into(),
                "dir /var/log/supervisor 755".into(),
                "dir /run/supervisor 755".into(),
                "file /etc/supervisord.conf 644".into(),
                "daemon restarted via systemd supervisord.service after [4, 0]".into(),
                "daemon running via systemd supervisord.service".into(),
                "command systemctl enable supervisord.service".into(),
            ],
        ),
        (
            "alpine with openrc",
            node("alpine", "3.20.1", &[], InitSystem::Openrc),
            vec![
                "packages apk supervisor".into(),
                "dir /etc/supervisor.d 755".into(),
                "dir /var/log/supervisor 755".into(),
                "file /etc/supervisord.conf 644".into(),
                "daemon restarted via openrc supervisord after [3, 0]".into(),
                "daemon running via openrc supervisord".into(),
                "command rc-update add supervisord default".into(),
            ],
        ),
        (
            "arch with systemd",
            node("arch", "", &[], InitSystem::Systemd),
            vec![
                "packages pacman supervisor".into(),
                "dir /etc/supervisor.d 755".into(),
                "dir /var/log/supervisor 755".into(),
                "file /etc/supervisord.conf 644".into(),
                "daemon restarted via systemd supervisord.service after [3, 0]".into(),
                "daemon running via systemd supervisord.service".into(),
                "command systemctl enable supervisord.service".into(),
            ],
        ),
    ];
    for (name, facts, want) in cases {
        assert_eq!(steps("{}", &facts), want, "{name}");
    }
}

#[test]
fn pip_as_a_dedicated_user_on_a_debian_container() {
    let settings = r#"{"install": {"strategy": "pip", "version": "4.2.5"}, "user": "supervisor"}"#;
    let cmd =
        "command /opt/supervisord/venv/bin/supervisord -c /opt/supervisord/etc/supervisord.conf";
    assert_eq!(
        steps(settings, &debian()),
        vec![
            "packages apt python3-venv".to_string(),
            "user supervisor home /opt/supervisord".into(),
            "pip /opt/supervisord/venv supervisor==4.2.5 with /usr/bin/python3".into(),
            // The configuration is root's: supervisord's own account must
            // not be able to change what it runs (its own user= line).
            "dir /opt/supervisord/etc 755 root".into(),
            "dir /opt/supervisord/etc/conf.d 755 root".into(),
            "dir /opt/supervisord/log 755 supervisor".into(),
            "dir /opt/supervisord/run 755 supervisor".into(),
            "file /opt/supervisord/etc/supervisord.conf 644 root".into(),
            format!("daemon restarted via {cmd} after [7, 2]"),
            format!("daemon running via {cmd}"),
        ]
    );
}

#[test]
fn pip_on_a_systemd_node_installs_a_unit() {
    let facts = node("debian", "12", &[], InitSystem::Systemd);
    let plan = steps(r#"{"install": {"strategy": "pip"}}"#, &facts);
    assert_eq!(
        plan[6..],
        [
            "file /opt/supervisord/etc/supervisord.conf 644".to_string(),
            "file /etc/systemd/system/supervisord-crate.service 644".into(),
            "command systemctl daemon-reload after [7]".into(),
            "daemon restarted via systemd supervisord-crate.service after [6, 7, 1]".into(),
            "daemon running via systemd supervisord-crate.service".into(),
            "command systemctl enable supervisord-crate.service".into(),
        ]
    );
}

#[test]
fn a_sandbox_uses_pip_under_its_root_and_no_os_packages() {
    let root = "/tmp/node";
    let cmd = format!(
        "command {root}/opt/supervisord/venv/bin/supervisord -c {root}/opt/supervisord/etc/supervisord.conf"
    );
    assert_eq!(
        steps("{}", &sandbox(root)),
        vec![
            format!("pip {root}/opt/supervisord/venv supervisor with /usr/bin/python3"),
            format!("dir {root}/opt/supervisord/etc 755"),
            format!("dir {root}/opt/supervisord/etc/conf.d 755"),
            format!("dir {root}/opt/supervisord/log 755"),
            format!("dir {root}/opt/supervisord/run 755"),
            format!("file {root}/opt/supervisord/etc/supervisord.conf 644"),
            format!("daemon restarted via {cmd} after [5, 0]"),
            format!("daemon running via {cmd}"),
        ]
    );
}

#[test]
fn unknown_facts_emit_every_step() {
    let plan = steps("{}", &unknown("debian"));
    assert_eq!(plan.len(), 7, "{plan:#?}");
    assert_eq!(plan[0], "packages apt supervisor");
    assert!(plan[6].starts_with("daemon running"), "{plan:#?}");
}

/// Facts of a node that already has exactly what `settings` wants.
fn converged(settings: &str, facts: NodeFacts) -> NodeFacts {
    let plan = install_plan(settings, &facts).unwrap();
    let conf = file_content(&plan, "/etc/supervisor/supervisord.conf").to_string();
    let facts = with_package(facts, "supervisor", Some("4.2.5-1"));
    let facts = with_dirs(
        facts,
        &[
            "/etc/supervisor",
            "/etc/supervisor/conf.d",
            "/var/log/supervisor",
        ],
        0o755,
        "root",
    );
    let facts = with_process(facts, "/var/run/supervisord.pid", true);
    with_file(
        facts,
        "/etc/supervisor/supervisord.conf",
        &conf,
        0o644,
        "root",
    )
}

#[test]
fn a_converged_node_gets_an_empty_plan() {
    let facts = converged("{}", debian());
    assert_eq!(steps("{}", &facts), Vec::<String>::new());
}

#[test]
fn a_changed_main_config_restarts_a_running_daemon_once() {
    let facts = converged("{}", debian());
    let plan = steps(r#"{"supervisord": {"loglevel": "debug"}}"#, &facts);
    assert_eq!(
        plan,
        vec![
            "file /etc/supervisor/supervisord.conf 644".to_string(),
            "daemon restarted via command /usr/bin/supervisord -c /etc/supervisor/supervisord.conf after [0]".into(),
        ]
    );
}

#[test]
fn a_stopped_daemon_is_started_without_other_changes() {
    let mut facts = converged("{}", debian());
    facts.processes[0].alive = false;
    assert_eq!(
        steps("{}", &facts),
        vec![
            "daemon running via command /usr/bin/supervisord -c /etc/supervisor/supervisord.conf"
                .to_string()
        ]
    );
}

#[test]
fn a_wrong_mode_rewrites_the_file() {
    let mut facts = converged("{}", debian());
    let conf = facts
        .paths
        .iter_mut()
        .find(|p| p.path.ends_with("supervisord.conf"))
        .unwrap();
    conf.mode = 0o666;
    let plan = install_plan("{}", &facts).unwrap();
    assert_eq!(plan.steps[0].reason, "supervisord.conf: mode changed");
}

#[test]
fn pip_upgrades_to_the_wanted_version_and_restarts() {
    let settings = r#"{"install": {"strategy": "pip", "version": "4.3.0"}}"#;
    let facts = with_venv_package(
        sandbox("/n"),
        "/n/opt/supervisord/venv",
        "supervisor",
        "4.2.5",
    );
    let plan = install_plan(settings, &facts).unwrap();
    assert_eq!(plan.steps[0].reason, "supervisor 4.2.5 -> 4.3.0");
    let same = with_venv_package(
        sandbox("/n"),
        "/n/opt/supervisord/venv",
        "Supervisor",
        "4.3.0",
    );
    assert!(steps(settings, &same).iter().all(|s| !s.starts_with("pip")));
}

#[test]
fn epel_comes_from_where_each_distribution_has_it() {
    let rhel = node("rhel", "9.4", &["fedora"], InitSystem::Systemd);
    let plan = steps("{}", &rhel);
    assert!(
        plan[0].starts_with(
            "command dnf install -y https://dl.fedoraproject.org/pub/epel/epel-release-latest-9.noarch.rpm"
        ),
        "{plan:?}"
    );
    assert!(plan[1].contains("codeready-builder-for-rhel-9"), "{plan:?}");
    assert_eq!(plan[2], "packages dnf supervisor");

    let oracle = node("ol", "8.10", &["fedora"], InitSystem::Systemd);
    assert_eq!(
        steps("{}", &oracle)[..2],
        [
            "packages dnf oracle-epel-release-el8",
            "packages dnf supervisor"
        ]
    );

    let amazon = node("amzn", "2023", &["fedora"], InitSystem::Systemd);
    let error = install_plan("{}", &amazon).unwrap_err();
    assert_eq!(error.field, "settings.install.strategy");
    assert!(error.message.contains("pip"), "{}", error.message);
}

#[test]
fn an_enabled_service_is_not_enabled_again() {
    let facts = with_file(
        node("fedora", "40", &[], InitSystem::Systemd),
        "/etc/systemd/system/multi-user.target.wants/supervisord.service",
        "[Unit]\n",
        0o644,
        "root",
    );
    assert!(
        !steps("{}", &facts)
            .iter()
            .any(|s| s.contains("systemctl enable")),
        "{:?}",
        steps("{}", &facts)
    );
}
