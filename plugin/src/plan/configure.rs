//! The configure plan: one file per process group, stale files removed,
//! `supervisorctl update` for exactly the groups that changed, then a check
//! that their programs run.

use std::collections::BTreeSet;

use super::watch::Watches;
use super::{PlanBuilder, sha256_hex};
use crate::MANAGED_MARKER;
use crate::bindings::{
    AbsentFile, AwaitRunning, CtlAction, Desired, Directory, Error, File, Guard, GuardedCommand,
    LogTarget, NodeFacts, PathKind, Plan, Program, StartMethod, Supervisorctl,
};
use crate::facts::Facts;
use crate::program::{check_all, process_groups};
use crate::render::{ProcessGroup, SECRET_KEYS, group_file, supervisord_conf};
use crate::settings::{Resolved, Target};

/// Longest wait for programs to settle, whatever their start settings.
const MAX_AWAIT_SECS: u32 = 600;

/// Builds the configure plan for a node.
pub fn configure_plan(
    settings: &str,
    programs: &[Program],
    facts: &NodeFacts,
) -> Result<Plan, Error> {
    let resolved = Resolved::resolve(settings, &Target::from_facts(facts))?;
    check_all(programs, Some(&resolved))?;
    let facts = Facts::new(facts);
    let paths = &resolved.settings.paths;
    let mut plan = PlanBuilder::new();
    let mut changed_steps = Vec::new();
    let mut changed_groups = BTreeSet::new();
    let mut wanted_files = BTreeSet::new();
    let mut wanted_contents: Vec<(String, String)> = Vec::new();
    let mut removed_files = BTreeSet::new();
    let groups = process_groups(programs);

    // Under systemd, the unit stops what supervisord leaves behind and waits
    // long enough for the slowest program to stop.
    let drop_in = systemd_drop_in(&mut plan, &facts, &resolved, programs);

    // A program's log directory that does not exist is created, owned by
    // the program's user (supervisord refuses a log path whose directory
    // is missing, and would then refuse every later change too).
    for (path, owner) in missing_log_dirs(programs, &facts, &resolved) {
        plan.always(
            Desired::Directory(Directory {
                path,
                // A user's group may not share its name (nobody/nogroup).
                group: None,
                owner,
                mode: 0o755,
            }),
            "a program logs there and it is missing",
        );
    }

    for (name, members) in &groups {
        let group = ProcessGroup {
            name,
            explicit: members.iter().any(|p| p.group.is_some()),
            members: members.clone(),
            options: resolved.settings.groups.get(name.as_str()),
        };
        let path = format!("{}/{name}.{}", paths.include_dir, paths.include_ext);
        wanted_files.insert(path.clone());
        let secret = members.iter().any(|p| !p.environment.is_empty());
        let owner = resolved.file_owner();
        let file = File {
            path,
            content: group_file(&group),
            group: owner.clone(),
            owner,
            // Environments often carry credentials: only supervisord's own
            // account may read them.
            mode: if secret { 0o600 } else { 0o644 },
            redact_keys: SECRET_KEYS.iter().map(|k| k.to_string()).collect(),
            staged: true,
        };
        wanted_contents.push((file.path.clone(), sha256_hex(&file.content)));
        if let Some(step) = plan.file(&facts, file, &format!("group {name}")) {
            changed_steps.push(step);
            changed_groups.insert(name.clone());
        }
    }

    // Files this provider wrote earlier for groups that are no longer
    // wanted; files without our marker are someone else's and stay.
    let suffix = format!(".{}", paths.include_ext);
    for fact in facts.files_in(&paths.include_dir) {
        let PathKind::File(info) = &fact.kind else {
            continue;
        };
        let Some(stem) = fact
            .path
            .rsplit('/')
            .next()
            .and_then(|n| n.strip_suffix(&suffix))
        else {
            continue;
        };
        if info.head != MANAGED_MARKER || wanted_files.contains(&fact.path) {
            continue;
        }
        removed_files.insert(fact.path.clone());
        changed_steps.push(plan.always(
            Desired::Absent(AbsentFile {
                path: fact.path.clone(),
                staged: true,
            }),
            format!("group {stem}: no longer wanted"),
        ));
        changed_groups.insert(stem.to_string());
    }

    // A changed supervisord.conf restarts the daemon, which then loads
    // every group afresh: nothing is pending and every group is checked.
    let conf = supervisord_conf(&resolved);
    let conf_changed = facts.content_matches(&paths.config, &sha256_hex(&conf)) != Some(true);
    let daemon = if conf_changed {
        None
    } else {
        facts.supervisor(&paths.socket)
    };

    // What supervisord applied is recorded after each apply (a hash of the
    // configuration files); files on the node that differ from the record
    // were not applied (an earlier apply was cut before its update, or
    // someone edited them by hand): `update` applies whatever is pending.
    // (Asking supervisord, `reloadConfig`, costs it half a second at 1,000
    // programs; reading the record costs nothing.)
    let applied_path = applied_record_path(&resolved);
    let on_node = files_hash(
        facts.path(&paths.config).and_then(|f| match &f.kind {
            PathKind::File(info) => Some(info.sha256.clone()),
            _ => None,
        }),
        facts
            .files_in(&paths.include_dir)
            .filter(|f| f.path.ends_with(&suffix))
            .filter_map(|f| match &f.kind {
                PathKind::File(info) => Some((f.path.clone(), info.sha256.clone())),
                _ => None,
            })
            .collect(),
    );
    let recorded = facts.record(&applied_path).map(str::trim);
    let pending = daemon.is_some() && facts.gathered() && recorded != Some(on_node.as_str());
    let ctl = resolved.ctl();
    let update_targets: BTreeSet<String> = changed_groups.clone();
    let update = Desired::Supervisorctl(Supervisorctl {
        ctl: ctl.clone(),
        action: CtlAction::Update,
        // Everything pending when the record says so, else exactly the
        // groups whose files change.
        targets: if pending {
            Vec::new()
        } else {
            update_targets.iter().cloned().collect()
        },
    });
    if pending {
        plan.always(
            update,
            "supervisord may not have applied the files on the node",
        );
    } else {
        plan.after_change(update, "their program files changed", changed_steps.clone());
    }

    // Wanted groups that gave up (FATAL) and are not being updated anyway
    // get another start: the wanted state is running.
    let mut restarted = BTreeSet::new();
    if let Some(daemon) = daemon {
        for (name, members) in &groups {
            let fatal = daemon
                .processes
                .iter()
                .any(|p| p.group == *name && p.state == "FATAL");
            if fatal
                && !update_targets.contains(name)
                && members.iter().all(|p| p.autostart != Some(false))
            {
                plan.always(
                    Desired::Supervisorctl(Supervisorctl {
                        ctl: ctl.clone(),
                        action: CtlAction::Start,
                        targets: vec![format!("{name}:*")],
                    }),
                    "it is FATAL but should run",
                );
                restarted.insert(name.clone());
            }
        }
    }

    // Programs whose watched paths changed restart once, unless an update
    // or a new daemon restarts them anyway; programs that are not running
    // are left as they are (a deliberate stop stays a stop). (Facts read
    // from the process table list a process that runs as RUNNING, even
    // one still starting or stopping, and none in BACKOFF.)
    let state_path = super::watch_state_path(&resolved);
    let watches = Watches::new(facts.node(), &state_path);
    if let Some(daemon) = daemon {
        for program in programs {
            let changed = watches.changed_paths(program);
            let group = program
                .group
                .clone()
                .unwrap_or_else(|| program.name.clone());
            if changed.is_empty() || update_targets.contains(&group) {
                continue;
            }
            let running = daemon.processes.iter().any(|p| {
                p.group == group && matches!(p.state.as_str(), "RUNNING" | "STARTING" | "BACKOFF")
            });
            if !running {
                continue;
            }
            // One process of its own: by name; several (numprocs, a name
            // template): the group's processes.
            let target = if program.numprocs.unwrap_or(1) == 1 && program.process_name.is_none() {
                format!("{group}:{}", program.name)
            } else {
                format!("{group}:*")
            };
            plan.always(
                Desired::Supervisorctl(Supervisorctl {
                    ctl: ctl.clone(),
                    action: CtlAction::Restart,
                    targets: vec![target],
                }),
                format!("{}: {} changed", program.name, changed.join(", ")),
            );
            restarted.insert(group);
        }
    }

    let awaited: Vec<(&String, u32)> = groups
        .iter()
        .filter(|(name, _)| {
            conf_changed || pending || update_targets.contains(*name) || restarted.contains(*name)
        })
        .filter_map(|(name, members)| {
            // A group with a member that does not autostart is not expected
            // to be all RUNNING.
            if members.iter().any(|p| p.autostart == Some(false)) {
                return None;
            }
            let timeout = members.iter().map(|p| settle_secs(p)).max()?;
            Some((name, timeout))
        })
        .collect();
    if !awaited.is_empty() {
        let timeout = awaited
            .iter()
            .map(|(_, t)| *t)
            .max()
            .unwrap_or(0)
            .min(MAX_AWAIT_SECS);
        let names: Vec<String> = awaited.iter().map(|(n, _)| (*n).clone()).collect();
        let lone: Vec<String> = names
            .iter()
            .filter(|name| {
                groups.get(*name).is_some_and(|members| {
                    matches!(members.as_slice(), [p] if p.name == **name
                        && p.numprocs.unwrap_or(1) == 1
                        && p.process_name.is_none())
                })
            })
            .cloned()
            .collect();
        let reason = "they were (re)started";
        let await_step = Desired::AwaitRunning(AwaitRunning {
            ctl,
            groups: names,
            lone,
            timeout_secs: timeout,
        });
        if facts.gathered() {
            plan.always(await_step, reason);
        } else {
            plan.after_change(await_step, reason, changed_steps);
        }
    }

    if let Some(written) = drop_in {
        plan.after_change(
            Desired::Command(GuardedCommand {
                argv: vec!["systemctl".into(), "daemon-reload".into()],
                guard: Guard::None,
            }),
            "reload systemd units",
            vec![written],
        );
    }

    // What supervisord now has applied, recorded last: after the update
    // and the daemon (re)start that applied it. (Without facts, the files
    // of others in the include directory are not known: a record without
    // them costs the next apply one idle `update`.)
    {
        let mut files: Vec<(String, String)> = wanted_contents.clone();
        files.extend(
            facts
                .files_in(&paths.include_dir)
                .filter(|f| f.path.ends_with(&suffix))
                .filter(|f| !wanted_files.contains(&f.path) && !removed_files.contains(&f.path))
                .filter_map(|f| match &f.kind {
                    PathKind::File(info) => Some((f.path.clone(), info.sha256.clone())),
                    _ => None,
                }),
        );
        let record = format!("{}\n", files_hash(Some(sha256_hex(&conf)), files));
        plan.file(
            &facts,
            File {
                path: applied_path,
                content: record,
                owner: None,
                group: None,
                mode: 0o644,
                redact_keys: Vec::new(),
                staged: false,
            },
            "what supervisord applied",
        );
    }

    // The hashes just applied, recorded last: after the restarts they
    // caused have succeeded.
    if facts.gathered() {
        let record = watches.record(programs);
        if !record.is_empty() {
            plan.file(
                &facts,
                File {
                    path: state_path,
                    content: record,
                    owner: None,
                    group: None,
                    mode: 0o644,
                    redact_keys: Vec::new(),
                    staged: false,
                },
                "watched paths",
            );
        } else if facts.exists(&state_path) == Some(true) {
            plan.always(
                Desired::Absent(AbsentFile {
                    path: state_path,
                    staged: false,
                }),
                "no program watches a path",
            );
        }
    }
    Ok(plan.finish())
}

/// The record of what supervisord has applied: beside its configuration
/// (hidden, so no include pattern takes it), where a reboot keeps it (at
/// boot supervisord loads the files the record describes).
pub fn applied_record_path(resolved: &Resolved) -> String {
    let config = &resolved.settings.paths.config;
    format!(
        "{}/.supervisord-crate.applied",
        super::parent(config).trim_end_matches('/')
    )
}

/// The hash of supervisord's configuration files: the main file's content
/// hash and each included file's path and content hash.
fn files_hash(config: Option<String>, mut files: Vec<(String, String)>) -> String {
    files.sort();
    let mut text = format!("config\t{}\n", config.unwrap_or_default());
    for (path, sha) in files {
        text.push_str(&format!("{path}\t{sha}\n"));
    }
    sha256_hex(&text)
}

/// The drop-in of the systemd unit that runs supervisord: `KillMode=mixed`
/// (SIGTERM to supervisord, then SIGKILL to every process left in the
/// unit, so programs a killed supervisord leaves behind do not outlive it
/// and run twice once it is restarted), a restart after a crash, and a
/// stop timeout longer than the slowest program's `stopwaitsecs`.
fn systemd_drop_in(
    plan: &mut PlanBuilder,
    facts: &Facts<'_>,
    resolved: &Resolved,
    programs: &[Program],
) -> Option<u32> {
    let StartMethod::Systemd(unit) = resolved.start_method() else {
        return None;
    };
    let slowest = programs
        .iter()
        .map(|p| p.stopwaitsecs.unwrap_or(10))
        .max()
        .unwrap_or(10);
    let content = format!(
        "{MANAGED_MARKER}\n[Service]\nKillMode=mixed\nRestart=on-failure\nRestartSec=2\nTimeoutStopSec={}\n",
        slowest.saturating_add(30)
    );
    plan.file(
        facts,
        File {
            path: systemd_drop_in_path(&unit),
            content,
            owner: None,
            group: None,
            mode: 0o644,
            redact_keys: Vec::new(),
            staged: false,
        },
        &format!("systemd drop-in of {unit}"),
    )
}

/// Where the drop-in of `unit` lives.
pub fn systemd_drop_in_path(unit: &str) -> String {
    format!("/etc/systemd/system/{unit}.d/supervisord-crate.conf")
}

/// Parent directories of programs' log files that the facts say are
/// missing, with the owner each should get.
fn missing_log_dirs(
    programs: &[Program],
    facts: &Facts<'_>,
    resolved: &Resolved,
) -> Vec<(String, Option<String>)> {
    let mut dirs: Vec<(String, Option<String>)> = Vec::new();
    for program in programs {
        for stream in [&program.stdout, &program.stderr] {
            let Some(LogTarget::Path(path)) = &stream.logfile else {
                continue;
            };
            let dir = super::parent(path).to_string();
            if facts.exists(&dir) != Some(false) || dirs.iter().any(|(d, _)| *d == dir) {
                continue;
            }
            let owner = program.user.clone().or_else(|| resolved.file_owner());
            dirs.push((dir, owner));
        }
    }
    dirs
}

/// How long a program may take to reach RUNNING or FATAL: each start
/// attempt lasts `startsecs` plus a second of supervisord's tick, and the
/// back-off before attempt n is n seconds.
fn settle_secs(program: &Program) -> u32 {
    let startsecs = program.startsecs.unwrap_or(1);
    let retries = program.startretries.unwrap_or(3).min(100);
    (startsecs.saturating_add(1))
        .saturating_mul(retries + 1)
        .saturating_add(retries * (retries + 1) / 2)
        .saturating_add(5)
}
