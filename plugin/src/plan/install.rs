//! The install plan: user, packages or virtual environment, directories,
//! `supervisord.conf`, and the daemon running.

use super::{PlanBuilder, parent};
use crate::bindings::{
    Daemon, DaemonEnsure, Declaration, Desired, Directory, Error, File, Guard, GuardedCommand,
    NodeFacts, PackageManager, Packages, PipInstall, Plan, Role, StartMethod, SystemUser,
};
use crate::error::unsupported;
use crate::facts::{Facts, FileState};
use crate::layout::Strategy;
use crate::render::{SECRET_KEYS, supervisord_conf};
use crate::settings::{Resolved, Target};

/// Builds the install plan for a node: everything for a declaration that
/// owns the daemon; for one that only adds programs, the recorded daemon
/// started when it is down.
pub fn install_plan(
    settings: &str,
    declaration: &Declaration,
    facts: &NodeFacts,
) -> Result<Plan, Error> {
    crate::scope::check(declaration, settings, &[])?;
    if declaration.role == Role::Programs {
        let resolved = super::located(facts)?;
        let mut plan = PlanBuilder::new();
        running(&mut plan, &resolved, &Facts::new(facts));
        return Ok(plan.finish());
    }
    let resolved = Resolved::resolve(settings, &Target::from_facts(facts))?;
    crate::location::standing(declaration, &resolved, facts)?;
    let facts = Facts::new(facts);
    let mut plan = PlanBuilder::new();
    let mut installed = Vec::new();
    match resolved.strategy() {
        Strategy::Packages => packages(&mut plan, &resolved, &facts, &mut installed)?,
        Strategy::Pip => pip(&mut plan, &resolved, &facts, &mut installed)?,
    }
    directories(&mut plan, &resolved, &facts);
    let conf = config_file(&mut plan, &resolved, &facts);
    let unit = systemd_unit(&mut plan, &resolved, &facts);
    daemon(
        &mut plan,
        &resolved,
        &facts,
        conf.into_iter().chain(unit).chain(installed).collect(),
    );
    Ok(plan.finish())
}

fn packages(
    plan: &mut PlanBuilder,
    r: &Resolved,
    facts: &Facts<'_>,
    installed: &mut Vec<u32>,
) -> Result<(), Error> {
    let manager = r.package_manager();
    let os = r.target.os.as_ref();
    if r.family().needs_epel(os) {
        // EPEL must be enabled before supervisor can be found, so it comes
        // first, in its own transaction; where it comes from depends on
        // the distribution.
        let id = os.map(|o| o.id.as_str()).unwrap_or("");
        let major = os
            .map(|o| o.version_id.split('.').next().unwrap_or("").to_string())
            .unwrap_or_default();
        match id {
            "amzn" => {
                return Err(unsupported(
                    "settings.install.strategy",
                    "Amazon Linux has no EPEL and no supervisor package; use {\"install\": {\"strategy\": \"pip\"}}",
                ));
            }
            "ol" => {
                let name = format!("oracle-epel-release-el{major}");
                installed.extend(package_step(plan, facts, manager, &[name]));
            }
            "rhel" => {
                // RHEL has no epel-release package: EPEL's own release
                // RPM, and CodeReady Builder, which EPEL packages build on.
                if !(facts.package_known("epel-release")
                    && facts.package_version("epel-release").is_some())
                {
                    installed.push(plan.always(
                        Desired::Command(GuardedCommand {
                            argv: vec![
                                "dnf".into(),
                                "install".into(),
                                "-y".into(),
                                format!(
                                    "https://dl.fedoraproject.org/pub/epel/epel-release-latest-{major}.noarch.rpm"
                                ),
                            ],
                            guard: Guard::Unless(vec![
                                "rpm".into(),
                                "-q".into(),
                                "epel-release".into(),
                            ]),
                        }),
                        "EPEL, for the supervisor package",
                    ));
                    installed.push(plan.always(
                        Desired::Command(GuardedCommand {
                            argv: vec![
                                "sh".into(),
                                "-c".into(),
                                format!(
                                    "subscription-manager repos --enable codeready-builder-for-rhel-{major}-$(arch)-rpms"
                                ),
                            ],
                            guard: Guard::Unless(vec![
                                "sh".into(),
                                "-c".into(),
                                "dnf repolist --enabled | grep -qi codeready".into(),
                            ]),
                        }),
                        "CodeReady Builder, which EPEL builds on",
                    ));
                }
            }
            _ => {
                installed.extend(package_step(plan, facts, manager, &["epel-release".into()]));
            }
        }
    }
    installed.extend(package_step(
        plan,
        facts,
        manager,
        std::slice::from_ref(&r.settings.install.package),
    ));
    Ok(())
}

fn package_step(
    plan: &mut PlanBuilder,
    facts: &Facts<'_>,
    manager: PackageManager,
    names: &[String],
) -> Option<u32> {
    let missing: Vec<String> = names
        .iter()
        .filter(|name| !(facts.package_known(name) && facts.package_version(name).is_some()))
        .cloned()
        .collect();
    if missing.is_empty() {
        return None;
    }
    let reason = "not installed".to_string();
    Some(plan.always(
        Desired::Packages(Packages {
            manager,
            names: missing,
        }),
        reason,
    ))
}

fn pip(
    plan: &mut PlanBuilder,
    r: &Resolved,
    facts: &Facts<'_>,
    installed: &mut Vec<u32>,
) -> Result<(), Error> {
    let s = &r.settings;
    let whole_root_node = r.target.root.trim_end_matches('/').is_empty() && r.target.login.uid == 0;
    if whole_root_node {
        // `python3 -m venv` needs more than a minimal python3 on some families.
        let venv_package = crate::probes::venv_package(r.family());
        package_step(
            plan,
            facts,
            r.package_manager(),
            &[venv_package.to_string()],
        );
    } else if facts.gathered()
        && r.target.python.is_none()
        && s.install.python.as_deref() == Some("python3")
    {
        return Err(unsupported(
            "facts.python",
            "the node has no python3, which the pip strategy needs; install it or set settings.install.python",
        ));
    }
    if let Some(user) = r.switch_to() {
        let home = s.prefix.clone().map_or_else(
            || parent(s.paths.venv.as_deref().unwrap_or("/")).to_string(),
            |prefix| crate::layout::under(&r.target.root, &prefix),
        );
        // Accounts are not probed: the step's own check (`id -u`) decides.
        plan.always(
            Desired::User(SystemUser {
                name: user.to_string(),
                home,
                shell: "/usr/sbin/nologin".to_string(),
            }),
            format!("supervisord runs as {user}"),
        );
    }
    let venv = s.paths.venv.clone().unwrap_or_default();
    let name = s.install.package.clone();
    let version = s.install.version.clone();
    let have = facts.venv_version(&venv, &name);
    let satisfied = match (&version, have) {
        (Some(want), Some(have)) => want == have,
        (None, Some(_)) => true,
        (_, None) => false,
    };
    if !satisfied {
        let reason = match (&version, have) {
            (Some(want), Some(have)) => format!("{name} {have} -> {want}"),
            _ => "not installed".to_string(),
        };
        installed.push(
            plan.always(
                Desired::Pip(PipInstall {
                    python: s
                        .install
                        .python
                        .clone()
                        .unwrap_or_else(|| "python3".to_string()),
                    venv,
                    name,
                    version,
                    owner: None,
                }),
                reason,
            ),
        );
    }
    Ok(())
}

fn directories(plan: &mut PlanBuilder, r: &Resolved, facts: &Facts<'_>) {
    let p = &r.settings.paths;
    let owner = r.runtime_owner();
    // The configuration's directories are root's (see `config_owner`).
    let mut wanted: Vec<(String, Option<String>, u32)> = vec![
        (parent(&p.config).to_string(), r.config_owner(), 0o755),
        (p.include_dir.clone(), r.config_owner(), 0o755),
        (p.log_dir.clone(), owner.clone(), 0o755),
        (p.childlogdir.clone(), owner.clone(), 0o755),
        (p.run_dir.clone(), owner.clone(), 0o755),
    ];
    // The shared /run and /var/run of package layouts belong to the OS.
    wanted.retain(|(path, _, _)| !matches!(path.as_str(), "/run" | "/var/run" | "/etc"));
    let mut seen = std::collections::BTreeSet::new();
    for (path, owner, mode) in wanted {
        if !seen.insert(path.clone()) {
            continue;
        }
        let reason = match facts.directory_state(&path, mode, owner.as_deref(), owner.as_deref()) {
            FileState::Same => continue,
            FileState::Unknown => "not checked yet".to_string(),
            FileState::Missing => "missing".to_string(),
            FileState::NotAFile => "something else is in its place".to_string(),
            FileState::Differs(why) => why.to_string(),
        };
        plan.always(
            Desired::Directory(Directory {
                path,
                group: owner.clone(),
                owner,
                mode,
            }),
            reason,
        );
    }
}

fn config_file(plan: &mut PlanBuilder, r: &Resolved, facts: &Facts<'_>) -> Option<u32> {
    let s = &r.settings;
    let secret = s.http.as_ref().is_some_and(|h| h.password.is_some())
        || !s.supervisord.environment.is_empty();
    plan.file(
        facts,
        File {
            path: s.paths.config.clone(),
            content: supervisord_conf(r),
            owner: r.config_owner(),
            group: r.config_group(),
            mode: r.config_mode(secret),
            redact_keys: SECRET_KEYS.iter().map(|k| k.to_string()).collect(),
            staged: true,
        },
        "supervisord.conf",
    )
}

/// A pip install on a systemd node gets a unit, so supervisord comes back
/// after a reboot like a packaged one.
fn systemd_unit(plan: &mut PlanBuilder, r: &Resolved, facts: &Facts<'_>) -> Option<u32> {
    if r.strategy() != Strategy::Pip {
        return None;
    }
    let StartMethod::Systemd(unit) = r.start_method() else {
        return None;
    };
    let p = &r.settings.paths;
    let content = format!(
        "# Managed by supervisord-crate: edits here are overwritten.\n\
         [Unit]\nDescription=supervisord (pip, supervisord-crate)\nAfter=network.target\n\n\
         [Service]\nType=simple\nExecStart={} -n -c {}\nExecReload={} -c {} reload\n\
         KillMode=mixed\nRestart=on-failure\nRestartSec=2\nTimeoutStopSec=90\n\n\
         [Install]\nWantedBy=multi-user.target\n",
        p.supervisord, p.config, p.supervisorctl, p.config
    );
    let path = format!("/etc/systemd/system/{unit}");
    let written = plan.file(
        facts,
        File {
            path,
            content,
            owner: None,
            group: None,
            mode: 0o644,
            redact_keys: Vec::new(),
            staged: false,
        },
        &format!("systemd unit {unit}"),
    )?;
    plan.after_change(
        Desired::Command(GuardedCommand {
            argv: vec!["systemctl".into(), "daemon-reload".into()],
            guard: Guard::None,
        }),
        "reload systemd units",
        vec![written],
    );
    Some(written)
}

/// The daemon step of `ensure`.
fn daemon_step(r: &Resolved, ensure: DaemonEnsure) -> Desired {
    let p = &r.settings.paths;
    Desired::Daemon(Daemon {
        start: r.start_method(),
        pid_file: p.pidfile.clone(),
        socket: p.socket.clone(),
        ctl: r.ctl(),
        ensure,
    })
}

/// The daemon: restarted when its configuration (or binary) changes in this
/// apply, started when it is down, left alone otherwise.
fn daemon(plan: &mut PlanBuilder, r: &Resolved, facts: &Facts<'_>, changed: Vec<u32>) {
    // Restart first, when something it reads changed: if it was down this
    // starts it, and the `running` step after it finds nothing to do. A
    // package's post-install script may start the daemon with its stock
    // configuration, which this restart replaces.
    plan.after_change(
        daemon_step(r, DaemonEnsure::Restarted),
        "its configuration or installation changed",
        changed,
    );
    running(plan, r, facts);
    enable(plan, r, facts);
}

/// The daemon started when the facts do not say it runs.
fn running(plan: &mut PlanBuilder, r: &Resolved, facts: &Facts<'_>) {
    if facts.alive(&r.settings.paths.pidfile) != Some(true) {
        plan.always(daemon_step(r, DaemonEnsure::Running), "not known to run");
    }
}

/// The service starts at boot: enabled whether or not it runs now (the
/// packages of Fedora, EPEL and Arch do not enable it, and OpenRC's needs a
/// runlevel).
fn enable(plan: &mut PlanBuilder, r: &Resolved, facts: &Facts<'_>) {
    let Some(link) = r.enabled_link() else {
        return;
    };
    if facts.exists(&link) == Some(true) {
        return;
    }
    let (argv, guard) = match r.start_method() {
        StartMethod::Systemd(unit) => (
            vec!["systemctl".into(), "enable".into(), unit.clone()],
            vec![
                "systemctl".into(),
                "is-enabled".into(),
                "--quiet".into(),
                unit,
            ],
        ),
        StartMethod::Openrc(service) => (
            vec![
                "rc-update".into(),
                "add".into(),
                service.clone(),
                "default".into(),
            ],
            vec!["test".into(), "-e".into(), link.clone()],
        ),
        _ => return,
    };
    plan.always(
        Desired::Command(GuardedCommand {
            argv,
            guard: Guard::Unless(guard),
        }),
        "it must start at boot",
    );
}
