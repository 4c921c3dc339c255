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
    let mut probed = Probed::default();
    let mut first_error = None;
    let mut any = false;
    for family in OsFamily::ALL {
        for strategy in Strategy::ALL {
            match Resolved::resolve_as(settings, &target, Some(family), Some(strategy)) {
                Ok(resolved) => {
                    any = true;
                    probed.layout(&resolved, family, strategy, root);
                }
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
    }
    if !any {
        return Err(first_error.expect("at least one combination was tried"));
    }
    let watch_record = crate::plan::watch_state_path(root, crate::scope::name_of(declaration));
    probed.paths.insert(watch_record.clone());
    probed.records.insert(watch_record);
    probed.paths.insert(crate::location::path(root));
    // Programs' log directories: created when missing.
    for program in programs {
        for stream in [&program.stdout, &program.stderr] {
            if let Some(crate::bindings::LogTarget::Path(path)) = &stream.logfile {
                probed.paths.insert(parent(path).to_string());
            }
        }
    }
    let watches: BTreeSet<String> = programs
        .iter()
        .flat_map(|p| p.watch.iter().cloned())
        .collect();
    let list = |set: BTreeSet<String>| set.into_iter().collect();
    Ok(ProbeSet {
        running: running_groups(programs),
        watches: list(watches),
        records: list(probed.records),
        locations: vec![crate::location::path(root)],
        paths: list(probed.paths),
        listings: list(probed.listings),
        pid_files: list(probed.pid_files),
        packages: list(probed.packages),
        venvs: list(probed.venvs),
        sockets: list(probed.sockets),
    })
}

/// What the facts script reads, gathered over every layout the settings
/// may resolve to (the node's OS family is not known yet).
#[derive(Default)]
struct Probed {
    paths: BTreeSet<String>,
    listings: BTreeSet<String>,
    pid_files: BTreeSet<String>,
    packages: BTreeSet<String>,
    venvs: BTreeSet<String>,
    sockets: BTreeSet<String>,
    records: BTreeSet<String>,
}

impl Probed {
    /// The paths, packages and sockets of one resolved layout.
    fn layout(&mut self, resolved: &Resolved, family: OsFamily, strategy: Strategy, root: &str) {
        let p = &resolved.settings.paths;
        for path in [
            &p.config,
            &p.include_dir,
            &p.log_dir,
            &p.childlogdir,
            &p.run_dir,
        ] {
            self.paths.insert(path.clone());
        }
        self.paths.insert(parent(&p.config).to_string());
        self.listings.insert(p.include_dir.clone());
        let applied = crate::plan::applied_record_path(resolved);
        self.paths.insert(applied.clone());
        self.records.insert(applied);
        self.pid_files.insert(p.pidfile.clone());
        self.sockets.insert(p.socket.clone());
        let whole_node = root.trim_end_matches('/').is_empty();
        let service = &resolved.settings.service;
        match strategy {
            Strategy::Packages => {
                self.packages
                    .insert(resolved.settings.install.package.clone());
                if family.needs_epel(None) {
                    self.packages.insert("epel-release".to_string());
                    for major in 7..=10 {
                        self.packages
                            .insert(format!("oracle-epel-release-el{major}"));
                    }
                }
                if whole_node {
                    // Whether the service starts at boot.
                    self.paths.insert(format!(
                        "/etc/systemd/system/multi-user.target.wants/{service}.service"
                    ));
                    self.paths
                        .insert(format!("/etc/runlevels/default/{service}"));
                    self.paths
                        .insert(crate::plan::systemd_drop_in_path(&format!(
                            "{service}.service"
                        )));
                }
            }
            Strategy::Pip => {
                if let Some(venv) = &p.venv {
                    self.venvs.insert(venv.clone());
                }
                if whole_node {
                    self.packages.insert(venv_package(family).to_string());
                    self.paths
                        .insert(format!("/etc/systemd/system/{service}.service"));
                    self.paths.insert(format!(
                        "/etc/systemd/system/multi-user.target.wants/{service}.service"
                    ));
                    self.paths
                        .insert(crate::plan::systemd_drop_in_path(&format!(
                            "{service}.service"
                        )));
                }
            }
        }
    }
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
