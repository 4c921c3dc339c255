//! Node facts, pyinfra style: one shell script reads everything the
//! provider's probes ask for (a fixed number of processes, however many
//! files), and a pure parser turns its output into `node-facts`.

use std::collections::BTreeMap;

mod lines;

use crate::bindings::{
    Error, ErrorKind, FileInfo, InitSystem, Login, NodeFacts, OsRelease, PackageFact, PathFact,
    PathKind, ProbeSet, ProcessState, Python, RecordFact, ScriptOutput, SupervisorState, WatchFact,
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
            "ALIVE_SH" => include_str!("../alive.sh").to_string(),
            "PACKAGE_QUERY" => crate::packages::facts_query(),
            _ => return None,
        })
    })
}

/// The most of a node's stderr an error quotes: its end.
const STDERR_QUOTED: usize = 1024;

fn unreadable(message: String, output: &ScriptOutput) -> Error {
    let stderr = output.stderr.trim();
    let stderr = match stderr.char_indices().rev().nth(STDERR_QUOTED) {
        Some((cut, _)) => &stderr[cut..],
        None => stderr,
    };
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

/// Parses the facts script's output for a node rooted at `root`: every
/// line checked (`lines`), then the facts built from them.
pub fn parse(probes: &ProbeSet, root: &str, output: &ScriptOutput) -> Result<NodeFacts, Error> {
    if !output.stdout.lines().any(|l| l == "done") {
        return Err(unreadable("the facts script did not finish".into(), output));
    }
    let probes = &followed(probes, output);
    let lines = lines::read(probes, &output.stdout).map_err(|why| unreadable(why, output))?;
    let Some((user, uid)) = &lines.login else {
        return Err(unreadable("no login line".into(), output));
    };
    let mut facts = NodeFacts {
        gathered: true,
        login: Login {
            user: user.clone(),
            uid: uid
                .parse()
                .map_err(|_| unreadable(format!("uid {uid:?}"), output))?,
        },
        init: match lines.init.as_deref() {
            Some("systemd") => InitSystem::Systemd,
            Some("openrc") => InitSystem::Openrc,
            Some("sysvinit") => InitSystem::Sysvinit,
            _ => InitSystem::None,
        },
        python: lines.python.as_ref().map(|(path, version)| Python {
            path: path.clone(),
            version: version.trim().trim_start_matches("Python ").to_string(),
        }),
        os: os_release(&lines.os),
        ..assumed(None, root)
    };
    facts.paths = paths(&lines);
    facts.processes = lines.processes.values().cloned().collect();
    facts.packages = probes
        .packages
        .iter()
        .map(|name| PackageFact {
            name: name.clone(),
            version: lines.packages.get(name).cloned().flatten(),
        })
        .collect();
    facts.venv_packages = lines.venvs.values().cloned().collect();
    facts.supervisors = supervisors(probes, &lines);
    facts.watched = probes
        .watches
        .iter()
        .map(|path| WatchFact {
            path: path.clone(),
            hash: match lines.watch_kinds.get(path).map(String::as_str) {
                Some("file") => lines.sums.get(path).cloned(),
                Some("dir") => Some(tree_hash(path, &lines.sums)),
                _ => None,
            },
        })
        .collect();
    facts.records = probes
        .records
        .iter()
        .map(|path| RecordFact {
            path: path.clone(),
            content: lines.records.get(path).cloned(),
        })
        .collect();
    Ok(facts)
}

/// `/etc/os-release`'s fields, unquoted; none without an `ID`.
fn os_release(fields: &BTreeMap<String, String>) -> Option<OsRelease> {
    let value = |key: &str| {
        fields
            .get(key)
            .map(|v| v.trim().trim_matches('"').trim_matches('\'').to_string())
            .unwrap_or_default()
    };
    let id = value("ID");
    (!id.is_empty()).then(|| OsRelease {
        id,
        version_id: value("VERSION_ID"),
        id_like: value("ID_LIKE")
            .split_whitespace()
            .map(str::to_string)
            .collect(),
    })
}

/// One fact per path that was stat'ed or found missing, in path order.
fn paths(lines: &lines::Lines) -> Vec<PathFact> {
    let mut paths: Vec<PathFact> = lines
        .missing
        .iter()
        .filter(|path| !lines.stats.contains_key(*path))
        .map(|path| PathFact {
            path: path.clone(),
            kind: PathKind::Missing,
            mode: 0,
            owner: String::new(),
            group: String::new(),
        })
        .collect();
    for (path, stat) in &lines.stats {
        let kind = match stat.kind.as_str() {
            "regular file" | "regular empty file" => match lines.sums.get(path) {
                Some(sha) => PathKind::File(FileInfo {
                    sha256: sha.clone(),
                    size: stat.size.parse().unwrap_or(0),
                    head: lines.heads.get(path).cloned().unwrap_or_default(),
                }),
                None => PathKind::Other,
            },
            "directory" => PathKind::Directory,
            _ => PathKind::Other,
        };
        paths.push(PathFact {
            path: path.clone(),
            kind,
            mode: u32::from_str_radix(&stat.mode, 8).unwrap_or(0),
            owner: stat.owner.clone(),
            group: stat.group.clone(),
        });
    }
    paths.sort_by(|a, b| a.path.cmp(&b.path));
    paths
}

/// What each probed supervisord said: its processes from the process
/// table, or its own answer.
fn supervisors(probes: &ProbeSet, lines: &lines::Lines) -> Vec<SupervisorState> {
    let mut states = Vec::new();
    for socket in &probes.sockets {
        if let Some(table) = lines.tables.get(socket) {
            states.push(SupervisorState {
                socket: socket.clone(),
                processes: table.values().cloned().collect(),
                complete: false,
            });
        } else if let Some(state) = supervisor_state(socket, &lines.rpc) {
            states.push(state);
        }
    }
    states
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
pub(crate) fn uptime(seconds: u64) -> String {
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
