//! Node facts, pyinfra style: one shell script reads everything the
//! provider's probes ask for (a fixed number of processes, however many
//! files), and a pure parser turns its output into `node-facts`.

mod xmlrpc;

use std::collections::BTreeSet;

use crate::runtime::bindings::{
    FileInfo, InitSystem, Login, NodeFacts, OsRelease, PackageFact, PathFact, PathKind, ProbeSet,
    ProcessFact, ProcessState, Python, SupervisorState, VenvPackageFact,
};
use crate::script::quote;

/// Facts output the host could not read.
#[derive(Debug, thiserror::Error)]
#[error("unreadable facts from the node: {0}")]
pub struct FactsError(String);

/// The script that gathers facts for `probes`.
pub fn script(probes: &ProbeSet) -> String {
    let list = |items: &[String]| items.iter().map(|s| quote(s)).collect::<Vec<_>>().join(" ");
    let paths = list(&probes.paths);
    let listings = list(&probes.listings);
    let pid_files = list(&probes.pid_files);
    let packages = list(&probes.packages);
    let venvs = list(&probes.venvs);
    let sockets = list(&probes.sockets);
    let probe = quote(PYTHON_PROBE);
    format!(
        r#"#!/bin/sh
supd_facts() {{
    export LC_ALL=C
    if [ -r /etc/os-release ]; then
        while IFS='=' read -r k v; do
            case $k in ID | VERSION_ID | ID_LIKE) printf 'os\t%s\t%s\n' "$k" "$v" ;; esac
        done < /etc/os-release
    fi
    if [ -d /run/systemd/system ]; then i=systemd
    elif [ -d /run/openrc ]; then i=openrc
    elif [ -d /etc/init.d ] && [ "$(cat /proc/1/comm 2>/dev/null)" = init ]; then i=sysvinit
    else i=none; fi
    printf 'init\t%s\n' "$i"
    # The system's python3 first: a python3 earlier on PATH may be a
    # version manager's shell shim that takes 100 ms to start. One python
    # start reports the interpreter, the login and what every running
    # supervisord says.
    py=/usr/bin/python3
    [ -x "$py" ] || py=$(command -v python3 2>/dev/null) || py=""
    if [ -z "$py" ] || ! "$py" -S -c "$probe" {sockets} 2>/dev/null; then
        printf 'login\t%s\t%s\n' "$(id -un 2>/dev/null || echo unknown)" "$(id -u)"
    fi
    # Regular files first: one sha256sum and one awk for all of them.
    set --
    for f in {paths}; do
        if [ -f "$f" ]; then set -- "$@" "$f"; fi
    done
    for d in {listings}; do
        [ -d "$d" ] || continue
        for f in "$d"/*; do
            case $f in *'	'* | *'\'*) continue ;; esac
            if [ -f "$f" ]; then set -- "$@" "$f"; fi
        done
    done
    if [ $# -gt 0 ]; then
        sha256sum "$@" | while read -r h f; do printf 'sha\t%s\t%s\n' "$h" "$f"; done
        awk 'FNR == 1 {{ printf "head\t%s\t%s\n", FILENAME, substr($0, 1, 256) }}' "$@"
    fi
    for f in {paths}; do
        if [ ! -e "$f" ] && [ ! -L "$f" ]; then printf 'missing\t%s\n' "$f"
        elif [ ! -f "$f" ]; then set -- "$@" "$f"; fi
    done
    if [ $# -gt 0 ]; then
        stat -L -c 'stat	%a	%U	%G	%s	%F	%n' "$@" 2>/dev/null
    fi
    for pf in {pid_files}; do
        pid=""
        if [ -f "$pf" ] && {{ read -r pid < "$pf" || [ -n "$pid" ]; }}; then :; fi
        case $pid in
            '' | *[!0-9]*) printf 'proc\t%s\t\t0\n' "$pf" ;;
            *) if [ -d "/proc/$pid" ]; then a=1; else a=0; fi
               printf 'proc\t%s\t%s\t%s\n' "$pf" "$pid" "$a" ;;
        esac
    done
    set -- {packages}
    if [ $# -gt 0 ]; then
        if command -v dpkg-query >/dev/null 2>&1; then
            dpkg-query -W -f='pkg\t${{Package}}\t${{Status}}\t${{Version}}\n' "$@" 2>/dev/null
        elif command -v rpm >/dev/null 2>&1; then
            rpm -q --qf 'pkg\t%{{NAME}}\tinstall ok installed\t%{{VERSION}}-%{{RELEASE}}\n' "$@" 2>/dev/null | grep '^pkg'
        elif command -v apk >/dev/null 2>&1; then
            for n; do apk info -e "$n" >/dev/null 2>&1 && printf 'pkg\t%s\tinstall ok installed\tinstalled\n' "$n"; done
        elif command -v pacman >/dev/null 2>&1; then
            pacman -Q "$@" 2>/dev/null | while read -r n v; do printf 'pkg\t%s\tinstall ok installed\t%s\n' "$n" "$v"; done
        fi
    fi
    for v in {venvs}; do
        for d in "$v"/lib/python*/site-packages/*.dist-info; do
            [ -d "$d" ] && printf 'venv\t%s\t%s\n' "$v" "${{d##*/}}"
        done
    done
    # A running supervisord says what it runs and which configuration files
    # it has not applied yet: one small XML-RPC client, no supervisorctl.
    printf 'done\n'
}}
probe={probe}
supd_facts
"#
    )
}

/// Run by the node's python3 (`-S`, standard library only): prints the
/// interpreter, the login, and for every supervisord socket given that
/// exists its pending configuration changes (`reloadConfig`, what
/// `supervisorctl reread` shows) and its processes, as
/// `rpc<TAB>socket<TAB>method<TAB>base64 response`.
const PYTHON_PROBE: &str = concat!(
    include_str!("../rpc_client.py"),
    r#"import binascii, os, pwd, stat, sys
print('python\t%s\t%d.%d.%d' % ((sys.executable,) + tuple(sys.version_info[:3])))
uid = os.getuid()
try:
    user = pwd.getpwuid(uid).pw_name
except KeyError:
    user = str(uid)
print('login\t%s\t%d' % (user, uid))
for path in sys.argv[1:]:
    try:
        if not stat.S_ISSOCK(os.stat(path).st_mode):
            continue
    except OSError:
        continue
    for method in ('supervisor.reloadConfig', 'supervisor.getAllProcessInfo'):
        try:
            out = binascii.b2a_base64(rpc(path, method), newline=False).decode()
        except Exception:
            out = ''
        print('rpc\t%s\t%s\t%s' % (path, method, out))
"#
);

/// Parses the facts script's output for a node rooted at `root`.
pub fn parse(output: &str, root: &str, probes: &ProbeSet) -> Result<NodeFacts, FactsError> {
    if !output.lines().any(|l| l == "done") {
        return Err(FactsError("the facts script did not finish".into()));
    }
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
    let mut sums = std::collections::BTreeMap::new();
    let mut heads = std::collections::BTreeMap::new();
    let mut stats = Vec::new();
    let mut missing = BTreeSet::new();
    let mut rpc: std::collections::BTreeMap<(String, String), String> =
        std::collections::BTreeMap::new();
    for line in output.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["login", user, uid] => {
                facts.login = Login {
                    user: user.to_string(),
                    uid: uid
                        .parse()
                        .map_err(|_| FactsError(format!("uid {uid:?}")))?,
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
        return Err(FactsError("no login line".into()));
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
        if let Some(state) = supervisor_state(socket, &rpc) {
            facts.supervisors.push(state);
        }
    }
    Ok(facts)
}

/// The state of one supervisord from its two XML-RPC answers.
fn supervisor_state(
    socket: &str,
    rpc: &std::collections::BTreeMap<(String, String), String>,
) -> Option<SupervisorState> {
    use base64::Engine;
    let answer = |method: &str| {
        let body = rpc.get(&(socket.to_string(), method.to_string()))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body)
            .ok()?;
        xmlrpc::response(&String::from_utf8_lossy(&bytes))
    };
    let reload = answer("supervisor.reloadConfig")?;
    let processes = answer("supervisor.getAllProcessInfo")?;
    let lists = reload.as_array()?.first()?.as_array()?;
    let names = |i: usize| -> Vec<String> {
        lists
            .get(i)
            .and_then(xmlrpc::Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    Some(SupervisorState {
        socket: socket.to_string(),
        added: names(0),
        changed: names(1),
        removed: names(2),
        processes: processes
            .as_array()?
            .iter()
            .filter_map(|p| {
                Some(ProcessState {
                    group: p.get("group")?.as_str()?.to_string(),
                    name: p.get("name")?.as_str()?.to_string(),
                    state: p.get("statename")?.as_str()?.to_string(),
                    pid: p
                        .get("pid")
                        .and_then(xmlrpc::Value::as_int)
                        .unwrap_or(0)
                        .try_into()
                        .unwrap_or(0),
                })
            })
            .collect(),
    })
}

/// Facts for a node the host does not look at (`script`): only the OS the
/// user names, the root, and root as the login.
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
    }
}
