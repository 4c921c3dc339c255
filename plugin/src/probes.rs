//! What the host must read on a node before plans can be made.

use std::collections::{BTreeMap, BTreeSet};

use crate::bindings::{Declaration, Error, InitSystem, Login, ProbeSet, Program, RunningGroup};
use crate::layout::{OsFamily, Strategy};
use crate::plan::parent;
use crate::settings::{Resolved, Target};

/// The probes for `settings` on a node rooted at `root`. The OS is not
/// known yet, so this is the union over every family and strategy the
/// settings allow; settings that are invalid for all of them are an error.
/// The node's location record is followed too, for the supervisord a
/// declaration that only adds programs (or a service action) works on.
pub fn probes(
    settings: &str,
    declaration: &Declaration,
    programs: &[Program],
    root: &str,
) -> Result<ProbeSet, Error> {
    crate::scope::check(declaration, settings, programs)?;
    let target = Target {
        root: root.to_string(),
        os: None,
        init: InitSystem::None,
        login: Login {
            user: "root".to_string(),
            uid: 0,
        },
        python: None,
    };
    let mut paths = BTreeSet::new();
    let mut listings = BTreeSet::new();
    let mut pid_files = BTreeSet::new();
    let mut packages = BTreeSet::new();
    let mut venvs = BTreeSet::new();
    let mut sockets = BTreeSet::new();
    let mut records = BTreeSet::new();
    let mut first_error = None;
    let mut any = false;
    for family in OsFamily::ALL {
        for strategy in Strategy::ALL {
            let resolved =
                match Resolved::resolve_as(settings, &target, Some(family), Some(strategy)) {
                    Ok(resolved) => resolved,
                    Err(error) => {
                        first_error.get_or_insert(error);
                        continue;
                    }
                };
            any = true;
            let p = &resolved.settings.paths;
            for path in [
                &p.config,
                &p.include_dir,
                &p.log_dir,
                &p.childlogdir,
                &p.run_dir,
            ] {
                paths.insert(path.clone());
            }
            paths.insert(parent(&p.config).to_string());
            listings.insert(p.include_dir.clone());
            let applied = crate::plan::applied_record_path(&resolved);
            paths.insert(applied.clone());
            records.insert(applied);
            pid_files.insert(p.pidfile.clone());
            sockets.insert(p.socket.clone());
            match strategy {
                Strategy::Packages => {
                    packages.insert(resolved.settings.install.package.clone());
                    if family.needs_epel(None) {
                        packages.insert("epel-release".to_string());
                        for major in 7..=10 {
                            packages.insert(format!("oracle-epel-release-el{major}"));
                        }
                    }
                    if root.trim_end_matches('/').is_empty() {
                        // Whether the service starts at boot.
                        let service = &resolved.settings.service;
                        paths.insert(format!(
                            "/etc/systemd/system/multi-user.target.wants/{service}.service"
                        ));
                        paths.insert(format!("/etc/runlevels/default/{service}"));
                        paths.insert(crate::plan::systemd_drop_in_path(&format!(
                            "{service}.service"
                        )));
                    }
                }
                Strategy::Pip => {
                    if let Some(venv) = &p.venv {
                        venvs.insert(venv.clone());
                    }
                    if root.trim_end_matches('/').is_empty() {
                        packages.insert(venv_package(family).to_string());
                        paths.insert(format!(
                            "/etc/systemd/system/{}.service",
                            resolved.settings.service
                        ));
                        paths.insert(format!(
                            "/etc/systemd/system/multi-user.target.wants/{}.service",
                            resolved.settings.service
                        ));
                        paths.insert(crate::plan::systemd_drop_in_path(&format!(
                            "{}.service",
                            resolved.settings.service
                        )));
                    }
                }
            }
        }
    }
    if !any {
        return Err(first_error.expect("at least one combination was tried"));
    }
    let watch_record = crate::plan::watch_state_path(root, crate::scope::name_of(declaration));
    paths.insert(watch_record.clone());
    records.insert(watch_record);
    paths.insert(crate::location::path(root));
    let watches: BTreeSet<String> = programs
        .iter()
        .flat_map(|p| p.watch.iter().cloned())
        .collect();
    // Programs' log directories: created when missing.
    for program in programs {
        for stream in [&program.stdout, &program.stderr] {
            if let Some(crate::bindings::LogTarget::Path(path)) = &stream.logfile {
                paths.insert(parent(path).to_string());
            }
        }
    }
    Ok(ProbeSet {
        running: running_groups(programs),
        watches: watches.into_iter().collect(),
        records: records.into_iter().collect(),
        locations: vec![crate::location::path(root)],
        paths: paths.into_iter().collect(),
        listings: listings.into_iter().collect(),
        pid_files: pid_files.into_iter().collect(),
        packages: packages.into_iter().collect(),
        venvs: venvs.into_iter().collect(),
        sockets: sockets.into_iter().collect(),
    })
}

/// The groups whose programs all start with supervisord, and how many
/// processes each has then. (A group with a program that does not autostart
/// may rightly have processes down.)
fn running_groups(programs: &[Program]) -> Vec<RunningGroup> {
    let mut groups: BTreeMap<&str, Option<u32>> = BTreeMap::new();
    for program in programs {
        let group = program.group.as_deref().unwrap_or(&program.name);
        let count = groups.entry(group).or_insert(Some(0));
        *count = match (*count, program.autostart) {
            (_, Some(false)) | (None, _) => None,
            (Some(n), _) => Some(n.saturating_add(program.numprocs.unwrap_or(1))),
        };
    }
    groups
        .into_iter()
        .filter_map(|(name, processes)| {
            Some(RunningGroup {
                name: name.to_string(),
                processes: processes?,
            })
        })
        .collect()
}

/// The OS package that lets `python3 -m venv` work.
pub fn venv_package(family: OsFamily) -> &'static str {
    match family {
        OsFamily::Debian => "python3-venv",
        OsFamily::Rhel | OsFamily::Alpine => "python3",
        OsFamily::Arch => "python",
    }
}
