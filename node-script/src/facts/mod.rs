//! Node facts, pyinfra style: one shell script reads everything the
//! provider's probes ask for (a fixed number of processes, however many
//! files), and a pure parser turns its output into `node-facts`.

use std::collections::{BTreeMap, BTreeSet};

use crate::bindings::{
    Error, ErrorKind, FileInfo, InitSystem, Login, NodeFacts, OsRelease, PackageFact, PathFact,
    PathKind, ProbeSet, ProcessFact, ProcessState, Python, RecordFact, ScriptOutput,
    SupervisorState, VenvPackageFact, WatchFact,
};
use crate::script::quote;

/// The shell part of the facts script.
const FACTS_SH: &str = include_str!("facts.sh");

/// The Python part: the XML-RPC client, then the probe.
const PYTHON_PROBE: &str = concat!(include_str!("../rpc_client.py"), include_str!("probe.py"));

/// The script that gathers facts for `probes`.
pub fn script(probes: &ProbeSet) -> String {
    let list = |items: &[String]| items.iter().map(|s| quote(s)).collect::<Vec<_>>().join(" ");
    crate::template::fill(FACTS_SH, |hole| {
        Some(match hole {
            "SOCKETS" => list(&probes.sockets),
            "PATHS" => list(&probes.paths),
            "LISTINGS" => list(&probes.listings),
            "PID_FILES" => list(&probes.pid_files),
            "PACKAGES" => list(&probes.packages),
            "VENVS" => list(&probes.venvs),
            "WATCHES" => list(&probes.watches),
            "RECORDS" => list(&probes.records),
            "LOCATIONS" => list(&probes.locations),
            "RUNNING" => probes
                .running
                .iter()
                .map(|g| quote(&format!("{}={}", g.name, g.processes)))
                .collect::<Vec<_>>()
                .join(" "),
            "PROBE" => quote(PYTHON_PROBE),
            _ => return None,
        })
    })
}

fn unreadable(message: String, output: &ScriptOutput) -> Error {
    let stderr = output.stderr.trim();
    Error {
        field: "output".into(),
        kind: ErrorKind::Malformed,
        message: if stderr.is_empty() {
            format!("unreadable facts from the node: {message}")
        } else {
            format!("unreadable facts from the node: {message}; stderr: {stderr}")
        },
    }
}

/// The probes of the location records the output holds, added to
/// `probes` (the facts script followed them in the same run).
fn followed(probes: &ProbeSet, output: &ScriptOutput) -> ProbeSet {
    let mut probes = probes.clone();
    probes.records.extend(probes.locations.iter().cloned());
    for line in output.stdout.lines() {
        let Some(rest) = line.strip_prefix("rec\t") else {
            continue;
        };
        let Some((record, content)) = rest.split_once('\t') else {
            continue;
        };
        if !probes.locations.iter().any(|l| l == record) {
            continue;
        }
        let Some((kind, value)) = content.split_once('\t') else {
            continue;
        };
        let list = match kind {
            "path" => &mut probes.paths,
            "listing" => &mut probes.listings,
            "pid-file" => &mut probes.pid_files,
            "socket" => &mut probes.sockets,
            "record" => &mut probes.records,
            _ => continue,
        };
        if !value.is_empty() {
            list.push(value.to_string());
        }
    }
    for list in [
        &mut probes.paths,
        &mut probes.listings,
        &mut probes.pid_files,
        &mut probes.sockets,
        &mut probes.records,
    ] {
        list.sort();
        list.dedup();
    }
    probes
}

/// Parses the facts script's output for a node rooted at `root`.
pub fn parse(probes: &ProbeSet, root: &str, output: &ScriptOutput) -> Result<NodeFacts, Error> {
    if !output.stdout.lines().any(|l| l == "done") {
        return Err(unreadable("the facts script did not finish".into(), output));
    }
    let probes = &followed(probes, output);
    // The login is unknown until its line is read.
    let mut facts = NodeFacts {
        gathered: true,
        login: Login {
            user: String::new(),
            uid: u32::MAX,
        },
        ..assumed(None, root)
    };
    let mut os = OsRelease {
        id: String::new(),
        version_id: String::new(),
        id_like: Vec::new(),
    };
    let mut sums = BTreeMap::new();
    let mut heads = BTreeMap::new();
    let mut stats = Vec::new();
    let mut missing = BTreeSet::new();
    let mut rpc: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut watch_kinds: BTreeMap<String, String> = BTreeMap::new();
    let mut records: BTreeMap<String, String> = BTreeMap::new();
    // Supervisords whose processes came from the process table.
    let mut tables: BTreeMap<String, Vec<ProcessState>> = BTreeMap::new();
    for line in output.stdout.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["login", user, uid] => {
                facts.login = Login {
                    user: user.to_string(),
                    uid: uid
                        .parse()
                        .map_err(|_| unreadable(format!("uid {uid:?}"), output))?,
                }
            }
            ["os", key, value] => {
                let value = value
                    .trim()
                    .trim_matches('"')
                    .trim_matches('\'')
                    .to_string();
                match *key {
                    "ID" => os.id = value,
                    "VERSION_ID" => os.version_id = value,
                    "ID_LIKE" => {
                        os.id_like = value.split_whitespace().map(str::to_string).collect()
                    }
                    _ => {}
                }
            }
            ["init", init] => {
                facts.init = match *init {
                    "systemd" => InitSystem::Systemd,
                    "openrc" => InitSystem::Openrc,
                    "sysvinit" => InitSystem::Sysvinit,
                    _ => InitSystem::None,
                }
            }
            ["python", path, version] => {
                facts.python = Some(Python {
                    path: path.to_string(),
                    version: version.trim().trim_start_matches("Python ").to_string(),
                })
            }
            ["sha", hash, path] => {
                sums.insert(path.to_string(), hash.to_string());
            }
            ["head", path, rest @ ..] => {
                heads.insert(path.to_string(), rest.join("\t"));
            }
            ["stat", mode, owner, group, size, kind, path] => {
                stats.push((*mode, *owner, *group, *size, *kind, *path))
            }
            ["missing", path] => {
                missing.insert(path.to_string());
            }
            ["watch", path, kind] => {
                watch_kinds.insert(path.to_string(), kind.to_string());
            }
            ["record", path] => {
                records.entry(path.to_string()).or_default();
            }
            ["rec", path, rest @ ..] => {
                let content = records.entry(path.to_string()).or_default();
                content.push_str(&rest.join("\t"));
                content.push('\n');
            }
            ["proc", pid_file, pid, alive] => facts.processes.push(ProcessFact {
                pid_file: pid_file.to_string(),
                pid: pid.parse().ok(),
                alive: *alive == "1",
            }),
            ["pkg", name, status, version] if status.ends_with("ok installed") => {
                facts.packages.push(PackageFact {
                    name: name.to_string(),
                    version: Some(version.to_string()),
                });
            }
            ["rpc", socket, method, body] => {
                rpc.insert((socket.to_string(), method.to_string()), body.to_string());
            }
            ["table", socket] => {
                tables.entry(socket.to_string()).or_default();
            }
            ["live", socket, group, name, pid, up] => {
                let pid: u32 = pid.parse().unwrap_or(0);
                tables
                    .entry(socket.to_string())
                    .or_default()
                    .push(ProcessState {
                        group: group.to_string(),
                        name: name.to_string(),
                        state: "RUNNING".into(),
                        pid,
                        description: format!(
                            "pid {pid}, uptime {}",
                            uptime(up.parse().unwrap_or(0))
                        ),
                        spawn_error: String::new(),
                        exit_status: 0,
                    });
            }
            ["venv", venv, dist_info] => {
                let stem = dist_info.trim_end_matches(".dist-info");
                if let Some((name, version)) = stem.split_once('-') {
                    facts.venv_packages.push(VenvPackageFact {
                        venv: venv.to_string(),
                        name: name.to_lowercase().replace('_', "-"),
                        version: version.to_string(),
                    });
                }
            }
            _ => {}
        }
    }
    if facts.login.uid == u32::MAX {
        return Err(unreadable("no login line".into(), output));
    }
    if !os.id.is_empty() {
        facts.os = Some(os);
    }
    for name in &probes.packages {
        if !facts.packages.iter().any(|p| &p.name == name) {
            facts.packages.push(PackageFact {
                name: name.clone(),
                version: None,
            });
        }
    }
    for path in missing {
        facts.paths.push(PathFact {
            path,
            kind: PathKind::Missing,
            mode: 0,
            owner: String::new(),
            group: String::new(),
        });
    }
    let mut seen = BTreeSet::new();
    for (mode, owner, group, size, kind, path) in stats {
        if !seen.insert(path.to_string()) {
            continue;
        }
        let kind = match kind {
            "regular file" | "regular empty file" => match sums.get(path) {
                Some(sha) => PathKind::File(FileInfo {
                    sha256: sha.clone(),
                    size: size.parse().unwrap_or(0),
                    head: heads.get(path).cloned().unwrap_or_default(),
                }),
                None => PathKind::Other,
            },
            "directory" => PathKind::Directory,
            _ => PathKind::Other,
        };
        facts.paths.push(PathFact {
            path: path.to_string(),
            kind,
            mode: u32::from_str_radix(mode, 8).unwrap_or(0),
            owner: owner.to_string(),
            group: group.to_string(),
        });
    }
    facts.paths.sort_by(|a, b| a.path.cmp(&b.path));
    for socket in &probes.sockets {
        if let Some(mut processes) = tables.remove(socket) {
            processes.sort_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
            facts.supervisors.push(SupervisorState {
                socket: socket.clone(),
                processes,
                complete: false,
            });
        } else if let Some(state) = supervisor_state(socket, &rpc) {
            facts.supervisors.push(state);
        }
    }
    for path in &probes.watches {
        let hash = match watch_kinds.get(path).map(String::as_str) {
            Some("file") => sums.get(path).cloned(),
            Some("dir") => Some(tree_hash(path, &sums)),
            _ => None,
        };
        facts.watched.push(WatchFact {
            path: path.clone(),
            hash,
        });
    }
    for path in &probes.records {
        facts.records.push(RecordFact {
            path: path.clone(),
            content: records.remove(path),
        });
    }
    Ok(facts)
}

/// The hash of a directory: SHA-256 of its regular files' lines
/// `<relative path> NUL <sha256> LF`, sorted by relative path.
fn tree_hash(dir: &str, sums: &BTreeMap<String, String>) -> String {
    use sha2::{Digest, Sha256};
    let prefix = format!("{}/", dir.trim_end_matches('/'));
    let mut hasher = Sha256::new();
    // BTreeMap order is byte order of the full path, which is the order of
    // the relative paths under one prefix.
    for (path, sha) in sums.range(prefix.clone()..) {
        let Some(relative) = path.strip_prefix(&prefix) else {
            break;
        };
        hasher.update(relative.as_bytes());
        hasher.update([0]);
        hasher.update(sha.as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

/// A string member of an XML-RPC struct; empty when absent.
fn text(value: &crate::xmlrpc::Value, key: &str) -> String {
    value
        .get(key)
        .and_then(crate::xmlrpc::Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Every process of a `getAllProcessInfo` answer.
pub fn processes(answer: &crate::xmlrpc::Value) -> Option<Vec<ProcessState>> {
    Some(
        answer
            .as_array()?
            .iter()
            .filter_map(|p| {
                Some(ProcessState {
                    group: p.get("group")?.as_str()?.to_string(),
                    name: p.get("name")?.as_str()?.to_string(),
                    state: p.get("statename")?.as_str()?.to_string(),
                    pid: p
                        .get("pid")
                        .and_then(crate::xmlrpc::Value::as_int)
                        .unwrap_or(0)
                        .try_into()
                        .unwrap_or(0),
                    description: text(p, "description"),
                    spawn_error: text(p, "spawnerr"),
                    exit_status: p
                        .get("exitstatus")
                        .and_then(crate::xmlrpc::Value::as_int)
                        .unwrap_or(0)
                        .try_into()
                        .unwrap_or(0),
                })
            })
            .collect(),
    )
}

/// The state of one supervisord from its XML-RPC answer.
fn supervisor_state(
    socket: &str,
    rpc: &BTreeMap<(String, String), String>,
) -> Option<SupervisorState> {
    use base64::Engine;
    let answer = |method: &str| {
        let body = rpc.get(&(socket.to_string(), method.to_string()))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body)
            .ok()?;
        crate::xmlrpc::response(&String::from_utf8_lossy(&bytes))
    };
    let processes = answer("supervisor.getAllProcessInfo")?;
    Some(SupervisorState {
        socket: socket.to_string(),
        processes: self::processes(&processes)?,
        complete: true,
    })
}

/// An uptime as supervisord words it (Python's `timedelta`):
/// `0:01:02`, `1 day, 2:03:04`, `3 days, 0:00:00`.
fn uptime(seconds: u64) -> String {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let clock = format!("{}:{:02}:{:02}", rest / 3600, rest / 60 % 60, rest % 60);
    match days {
        0 => clock,
        1 => format!("1 day, {clock}"),
        n => format!("{n} days, {clock}"),
    }
}

/// Facts for a node the host does not look at: only the OS, the root, and
/// root as the login.
pub fn assumed(os: Option<OsRelease>, root: &str) -> NodeFacts {
    NodeFacts {
        gathered: false,
        root: root.to_string(),
        os,
        init: InitSystem::None,
        login: Login {
            user: "root".into(),
            uid: 0,
        },
        python: None,
        paths: Vec::new(),
        processes: Vec::new(),
        packages: Vec::new(),
        venv_packages: Vec::new(),
        supervisors: Vec::new(),
        watched: Vec::new(),
        records: Vec::new(),
    }
}
