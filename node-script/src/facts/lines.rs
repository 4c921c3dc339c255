//! The facts script's output read line by line, strictly: what a node
//! sends back is untrusted. A line the script never prints, a line about
//! something that was not probed, or two lines that say different things
//! about one thing is refused (a program sets its own environment and
//! names its own files; it must not be able to forge a fact).

use std::collections::{BTreeMap, BTreeSet};

use crate::bindings::{ProbeSet, ProcessFact, ProcessState, VenvPackageFact};

/// One `stat` line: mode, owner, group, size, kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub mode: String,
    pub owner: String,
    pub group: String,
    pub size: String,
    pub kind: String,
}

/// Everything the lines said, by kind.
#[derive(Debug, Default)]
pub struct Lines {
    pub login: Option<(String, String)>,
    pub os: BTreeMap<String, String>,
    pub init: Option<String>,
    pub python: Option<(String, String)>,
    pub sums: BTreeMap<String, String>,
    pub heads: BTreeMap<String, String>,
    pub stats: BTreeMap<String, Stat>,
    pub missing: BTreeSet<String>,
    pub watch_kinds: BTreeMap<String, String>,
    pub records: BTreeMap<String, String>,
    pub processes: BTreeMap<String, ProcessFact>,
    pub packages: BTreeMap<String, Option<String>>,
    pub rpc: BTreeMap<(String, String), String>,
    pub tables: BTreeMap<String, BTreeMap<(String, String), ProcessState>>,
    pub venvs: BTreeMap<(String, String), VenvPackageFact>,
}

/// What may be reported, from the probes (the followed ones included).
struct Probed<'a> {
    probes: &'a ProbeSet,
    paths: BTreeSet<&'a str>,
}

impl<'a> Probed<'a> {
    fn new(probes: &'a ProbeSet) -> Probed<'a> {
        Probed {
            probes,
            paths: probes.paths.iter().map(String::as_str).collect(),
        }
    }

    fn listed(&self, path: &str) -> bool {
        path.rsplit_once('/').is_some_and(|(dir, _)| {
            self.probes
                .listings
                .iter()
                .any(|l| l.trim_end_matches('/') == dir)
        })
    }

    fn watched(&self, path: &str) -> bool {
        self.probes.watches.iter().any(|w| {
            path == w
                || path
                    .strip_prefix(w.trim_end_matches('/'))
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    }

    fn path(&self, path: &str) -> bool {
        self.paths.contains(path) || self.listed(path)
    }

    fn socket(&self, socket: &str) -> bool {
        self.probes.sockets.iter().any(|s| s == socket)
    }
}

/// Puts `value` at `key`, refusing a different value for a key already
/// said: the same line twice (an overlap of probes) is one fact.
fn put<K: Ord, V: PartialEq>(map: &mut BTreeMap<K, V>, key: K, value: V) -> Result<(), ()> {
    match map.get(&key) {
        Some(old) if *old != value => Err(()),
        Some(_) => Ok(()),
        None => {
            map.insert(key, value);
            Ok(())
        }
    }
}

/// Reads every line, refusing the first one that is not a fact of these
/// probes; the error says which line and why.
pub fn read(probes: &ProbeSet, stdout: &str) -> Result<Lines, String> {
    let probed = Probed::new(probes);
    let mut lines = Lines::default();
    let mut done = false;
    for (number, line) in stdout.lines().enumerate() {
        if done {
            return Err(format!("line {}: something after done", number + 1));
        }
        let fields: Vec<&str> = line.split('\t').collect();
        read_line(&probed, &mut lines, &fields).map_err(|why| {
            let shown: String = line.chars().take(120).collect();
            format!("line {} ({shown:?}): {why}", number + 1)
        })?;
        done = fields == ["done"];
    }
    Ok(lines)
}

/// Reads one line of the facts script's output into `lines`, refusing
/// lines about what was not probed and lines that contradict earlier ones.
fn read_line(probed: &Probed<'_>, lines: &mut Lines, fields: &[&str]) -> Result<(), String> {
    match fields.first().copied().unwrap_or_default() {
        "done" | "login" | "os" | "init" | "python" => read_node_line(lines, fields),
        "sha" | "head" | "stat" | "missing" | "watch" => read_file_line(probed, lines, fields),
        "record" | "rec" => read_record_line(probed, lines, fields),
        "proc" | "pkg" | "venv" => read_install_line(probed, lines, fields),
        "rpc" | "table" | "live" => read_supervisord_line(probed, lines, fields),
        _ => Err(NOT_A_LINE.into()),
    }
}

const NOT_A_LINE: &str = "not a line the facts script prints";

fn twice<E>(_: E) -> String {
    "says something else than an earlier line".to_string()
}

fn unprobed(what: &str) -> Result<(), String> {
    Err(format!("{what} was not probed"))
}

/// The node's own lines: who logs in, its OS, init system and Python.
fn read_node_line(lines: &mut Lines, fields: &[&str]) -> Result<(), String> {
    match fields {
        ["done"] => Ok(()),
        ["login", user, uid] => {
            put_one(&mut lines.login, (user.to_string(), uid.to_string())).map_err(twice)
        }
        ["os", key @ ("ID" | "VERSION_ID" | "ID_LIKE"), value] => {
            put(&mut lines.os, key.to_string(), value.to_string()).map_err(twice)
        }
        ["init", init @ ("systemd" | "openrc" | "sysvinit" | "none")] => {
            put_one(&mut lines.init, init.to_string()).map_err(twice)
        }
        ["python", path, version] => {
            put_one(&mut lines.python, (path.to_string(), version.to_string())).map_err(twice)
        }
        _ => Err(NOT_A_LINE.into()),
    }
}

/// Lines about probed paths and watched ones.
fn read_file_line(probed: &Probed<'_>, lines: &mut Lines, fields: &[&str]) -> Result<(), String> {
    match fields {
        ["sha", hash, path] => {
            if !(probed.path(path) || probed.watched(path)) {
                return unprobed(path);
            }
            put(&mut lines.sums, path.to_string(), hash.to_string()).map_err(twice)
        }
        ["head", path, rest @ ..] => {
            if !probed.path(path) {
                return unprobed(path);
            }
            put(&mut lines.heads, path.to_string(), rest.join("\t")).map_err(twice)
        }
        ["stat", mode, owner, group, size, kind, path] => {
            if !probed.path(path) {
                return unprobed(path);
            }
            let stat = Stat {
                mode: mode.to_string(),
                owner: owner.to_string(),
                group: group.to_string(),
                size: size.to_string(),
                kind: kind.to_string(),
            };
            put(&mut lines.stats, path.to_string(), stat).map_err(twice)
        }
        ["missing", path] => {
            if !probed.paths.contains(path) {
                return unprobed(path);
            }
            lines.missing.insert(path.to_string());
            Ok(())
        }
        ["watch", path, kind @ ("file" | "dir" | "missing")] => {
            if !probed.probes.watches.iter().any(|w| w == path) {
                return unprobed(path);
            }
            put(&mut lines.watch_kinds, path.to_string(), kind.to_string()).map_err(twice)
        }
        _ => Err(NOT_A_LINE.into()),
    }
}

/// Records (the location record and the others the probes name), line by line.
fn read_record_line(probed: &Probed<'_>, lines: &mut Lines, fields: &[&str]) -> Result<(), String> {
    match fields {
        ["record", path] => {
            if !probed.probes.records.iter().any(|r| r == path) {
                return unprobed(path);
            }
            if lines.records.contains_key(*path) {
                return Err("a record read twice".into());
            }
            lines.records.insert(path.to_string(), String::new());
            Ok(())
        }
        ["rec", path, rest @ ..] => {
            let Some(content) = lines.records.get_mut(*path) else {
                return Err("a record line before its record".into());
            };
            content.push_str(&rest.join("\t"));
            content.push('\n');
            Ok(())
        }
        _ => Err(NOT_A_LINE.into()),
    }
}

/// What is installed: pid files' processes, packages, virtual environments' packages.
fn read_install_line(
    probed: &Probed<'_>,
    lines: &mut Lines,
    fields: &[&str],
) -> Result<(), String> {
    match fields {
        ["proc", pid_file, pid, alive @ ("0" | "1")] => {
            if !probed.probes.pid_files.iter().any(|p| p == pid_file) {
                return unprobed(pid_file);
            }
            let fact = ProcessFact {
                pid_file: pid_file.to_string(),
                pid: pid.parse().ok(),
                alive: *alive == "1",
            };
            put(&mut lines.processes, pid_file.to_string(), fact).map_err(twice)
        }
        ["pkg", name, status, version] => {
            if !probed.probes.packages.iter().any(|p| p == name) {
                return unprobed(name);
            }
            let installed = status
                .ends_with("ok installed")
                .then(|| version.to_string());
            put(&mut lines.packages, name.to_string(), installed).map_err(twice)
        }
        ["venv", venv, dist_info] => {
            if !probed.probes.venvs.iter().any(|v| v == venv) {
                return unprobed(venv);
            }
            let stem = dist_info.trim_end_matches(".dist-info");
            let Some((name, version)) = stem.split_once('-') else {
                return Ok(());
            };
            let fact = VenvPackageFact {
                venv: venv.to_string(),
                name: name.to_lowercase().replace('_', "-"),
                version: version.to_string(),
            };
            let key = (venv.to_string(), fact.name.clone());
            put(&mut lines.venvs, key, fact).map_err(twice)
        }
        _ => Err(NOT_A_LINE.into()),
    }
}

/// What a running supervisord answered, or its processes read from the process table.
fn read_supervisord_line(
    probed: &Probed<'_>,
    lines: &mut Lines,
    fields: &[&str],
) -> Result<(), String> {
    match fields {
        ["rpc", socket, method, body] => {
            if !probed.socket(socket) {
                return unprobed(socket);
            }
            let key = (socket.to_string(), method.to_string());
            put(&mut lines.rpc, key, body.to_string()).map_err(twice)
        }
        ["table", socket] => {
            if !probed.socket(socket) {
                return unprobed(socket);
            }
            lines.tables.entry(socket.to_string()).or_default();
            Ok(())
        }
        ["live", socket, group, name, pid, up] => {
            let Some(table) = lines.tables.get_mut(*socket) else {
                return Err("a process before its table".into());
            };
            let pid: u32 = pid.parse().map_err(|_| format!("pid {pid:?}"))?;
            let up: u64 = up.parse().map_err(|_| format!("uptime {up:?}"))?;
            let state = ProcessState {
                group: group.to_string(),
                name: name.to_string(),
                state: "RUNNING".into(),
                pid,
                description: format!("pid {pid}, uptime {}", super::uptime(up)),
                spawn_error: String::new(),
                exit_status: 0,
            };
            put(table, (group.to_string(), name.to_string()), state).map_err(twice)
        }
        _ => Err(NOT_A_LINE.into()),
    }
}

fn put_one<V: PartialEq>(slot: &mut Option<V>, value: V) -> Result<(), ()> {
    match slot {
        Some(old) if *old != value => Err(()),
        Some(_) => Ok(()),
        None => {
            *slot = Some(value);
            Ok(())
        }
    }
}
