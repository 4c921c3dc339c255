//! Converging nodes with supd, with a hand-written bash script (the floor,
//! `benches/floor.sh`), with the Python package's `converge` and with
//! Ansible (`benches/ansible/converge.yml`), side by side on the same
//! nodes, runs interleaved, medians printed.
//!
//!     bash benches/run.sh        (or: cargo bench -p host-harness --bench converge)
//!
//! Environment: BENCH_RUNS (default 5), BENCH_ONLY (comma list of local,
//! ssh, fleet), BENCH_SIZES (comma list of program counts, default
//! 1,10,50; 200,1000 for large nodes), BENCH_TOOLS (comma list of floor,
//! python, collection, pyinfra, ansible; supd always runs), BENCH_NO_ANSIBLE=1, BENCH_OUT (a file for the Markdown
//! table), BENCH_PERF=1 (record each timed fleet run with `perf record -a`
//! into /tmp/fleet<N>-<tool>.perf, for `perf report --sort comm,dso`;
//! perf's own CPU then counts in the fleet table's CPU column).
//! The ssh and fleet sections need root (the test bed).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use test_support::cm::inventory_host;
use test_support::stats::median;
use test_support::support::{kill_supervisord, workspace};
use test_support::testbed::{self, TestNode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tool {
    Harness,
    Floor,
    /// `converge` of the Python package (benches/python/converge.py).
    Python,
    /// ansible-playbook with the collection (benches/ansible/collection.yml).
    Collection,
    /// pyinfra with the operations (benches/pyinfra/deploy.py).
    Pyinfra,
    /// The idiomatic playbook (benches/ansible/converge.yml).
    Ansible,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Case {
    First,
    Idempotent,
    OneChanged,
}

impl Tool {
    /// Its column in the table.
    fn name(self) -> &'static str {
        match self {
            Tool::Harness => "supd",
            Tool::Floor => "floor",
            Tool::Python => "Python",
            Tool::Collection => "Ansible+collection",
            Tool::Pyinfra => "pyinfra+ops",
            Tool::Ansible => "Ansible",
        }
    }

    /// What it runs.
    fn what(self) -> &'static str {
        match self {
            Tool::Harness => "`supd apply`",
            Tool::Floor => "benches/floor.sh (bash)",
            Tool::Python => {
                "`supervision.converge` (benches/python/converge.py, a new process each run)"
            }
            Tool::Collection => {
                "ansible-core 2.19 with this collection (benches/ansible/collection.yml)"
            }
            Tool::Pyinfra => "pyinfra 3.10 with supervision.pyinfra (benches/pyinfra/deploy.py)",
            Tool::Ansible => "the idiomatic playbook benches/ansible/converge.yml",
        }
    }
}

impl Case {
    fn name(self) -> &'static str {
        match self {
            Case::First => "first converge",
            Case::Idempotent => "idempotent re-run",
            Case::OneChanged => "one program changed",
        }
    }
}

/// Where a tool's supervisord lives.
enum Place<'a> {
    Local(PathBuf),
    Ssh(&'a TestNode),
}

struct Target<'a> {
    tool: Tool,
    place: Place<'a>,
    /// The pip layout directory, as the node sees it.
    base: String,
    variant: u32,
}

fn bench_dir() -> PathBuf {
    workspace().join("target/bench")
}

fn ansible_playbook() -> Option<PathBuf> {
    if std::env::var("BENCH_NO_ANSIBLE").is_ok() {
        return None;
    }
    let venv = bench_dir().join("ansible-venv");
    let playbook = venv.join("bin/ansible-playbook");
    if !playbook.exists() {
        eprintln!("bench: installing ansible 12.3.0 into {}", venv.display());
        run_ok(Command::new("python3").args(["-m", "venv"]).arg(&venv));
        run_ok(Command::new(venv.join("bin/pip")).args([
            "install",
            "-q",
            "--disable-pip-version-check",
            "ansible==12.3.0",
        ]));
    }
    Some(playbook)
}

fn run_ok(command: &mut Command) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The venv with ansible-core and pyinfra (scripts/setup.sh), with this
/// checkout's Python package installed into it.
fn cm_bin() -> PathBuf {
    static READY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    READY
        .get_or_init(|| {
            let bin = workspace().join("target/cm-venv/bin");
            assert!(
                bin.join("pyinfra").exists(),
                "run scripts/setup.sh first (target/cm-venv)"
            );
            let builder =
                component_build::Workspace::from_member(&workspace().join("host-harness"), None);
            for guest in [
                component_build::PLUGIN,
                component_build::NODE_SCRIPT,
                component_build::APP_DEPLOY,
            ] {
                builder.build(&guest).expect("the components build");
            }
            let dist = bench_dir().join("dist");
            let _ = std::fs::remove_dir_all(&dist);
            run_ok(
                Command::new(bin.join("pip"))
                    .args(["wheel", "-q", "--no-deps", "--no-index", "-w"])
                    .arg(&dist)
                    .arg(workspace().join("python")),
            );
            let wheel = std::fs::read_dir(&dist)
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .path();
            run_ok(
                Command::new(bin.join("pip"))
                    .args(["install", "-q", "--no-deps", "--force-reinstall"])
                    .arg(wheel),
            );
            bin
        })
        .clone()
}

/// The collection built and installed for the benchmark.
fn collections() -> PathBuf {
    static READY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    READY
        .get_or_init(|| {
            let bin = cm_bin();
            let out = bench_dir().join("ansible");
            run_ok(
                Command::new("bash")
                    .arg(workspace().join("ansible/build.sh"))
                    .arg(&out)
                    .env("ANSIBLE_GALAXY", bin.join("ansible-galaxy")),
            );
            let installed = out.join("collections");
            run_ok(
                Command::new(bin.join("ansible-galaxy"))
                    .args(["collection", "install", "--force", "-p"])
                    .arg(&installed)
                    .arg(out.join("supervisord_crate-supervision-0.1.0.tar.gz")),
            );
            installed
        })
        .clone()
}

/// The services of the converge for `n` programs, as the collection's
/// vars file.
fn services_json(n: usize, variant: u32) -> String {
    let services: serde_json::Map<String, serde_json::Value> = (0..n)
        .map(|i| {
            let command = if i == 0 {
                200_000 + variant as usize
            } else {
                100_000 + i
            };
            (
                format!("p{i}"),
                serde_json::json!({"settings": {"command": format!("sleep {command}"), "startsecs": 0}}),
            )
        })
        .collect();
    serde_json::json!({ "services": services }).to_string()
}

/// An Ansible inventory file for the node.
fn ansible_inventory(node: &TestNode) -> PathBuf {
    let inventory = bench_dir().join("inventory.ini");
    let host = inventory_host("node", node, "ansible_python_interpreter=/usr/bin/python3");
    std::fs::write(&inventory, host).unwrap();
    inventory
}

fn ssh_command(node: &TestNode) -> Command {
    let mut c = Command::new("ssh");
    c.arg("-i")
        .arg(testbed::client_key())
        .args([
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "StrictHostKeyChecking=yes",
        ])
        .arg("-o")
        .arg(format!(
            "UserKnownHostsFile={}",
            node.known_hosts().display()
        ))
        .args(["-p", &node.port.to_string(), "root@127.0.0.1"]);
    c
}

/// The harness's spec for `n` programs on a target.
fn harness_spec(target: &Target, n: usize) -> PathBuf {
    let dir = bench_dir().join("specs");
    std::fs::create_dir_all(&dir).unwrap();
    let (node, ssh, prefix) = match &target.place {
        Place::Local(root) => (
            format!("local:{}", root.display()),
            String::new(),
            String::new(),
        ),
        Place::Ssh(node) => (
            node.address(),
            format!(
                "[groups.bench.ssh]\nidentity = {:?}\nknown-hosts = {:?}\n",
                testbed::client_key().display().to_string(),
                node.known_hosts().display().to_string()
            ),
            format!("prefix = {:?}\n", target.base),
        ),
    };
    let mut text = format!(
        "[groups.bench]\nnodes = [{node:?}]\n{ssh}[groups.bench.settings]\ninstall = {{ strategy = \"pip\", version = \"4.3.0\" }}\n{prefix}"
    );
    for i in 0..n {
        let command = if i == 0 {
            200_000 + target.variant as usize
        } else {
            100_000 + i
        };
        let _ = write!(
            text,
            "[groups.bench.services.p{i}.settings]\ncommand = \"sleep {command}\"\nstartsecs = 0\n"
        );
    }
    let path = dir.join(format!("{:?}-{}.toml", target.tool, n));
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs one converge of `n` programs; returns its wall time and, for the
/// harness, its JSON outcome.
fn converge(
    target: &Target,
    n: usize,
    ansible: Option<&Path>,
) -> (Duration, Option<serde_json::Value>) {
    let variant = target.variant.to_string();
    let n_text = n.to_string();
    let mut command = match (target.tool, &target.place) {
        (Tool::Harness, _) => {
            let spec = harness_spec(target, n);
            let mut c = Command::new(env!("CARGO_BIN_EXE_supd"));
            c.args(["apply", spec.to_str().unwrap(), "--format", "json"]);
            c
        }
        (Tool::Python, place) => {
            let mut c = Command::new(workspace().join("target/py-venv/bin/python"));
            c.arg(workspace().join("benches/python/converge.py"))
                .env("PYTHONPATH", workspace().join("python/src"))
                .env(
                    "SUPERVISION_COMPONENTS_DIR",
                    workspace().join("target/components"),
                )
                .env("XDG_CACHE_HOME", bench_dir().join("cache"));
            match place {
                Place::Local(root) => {
                    c.args(["local", root.to_str().unwrap(), &n_text, &variant]);
                }
                Place::Ssh(node) => {
                    c.args(["ssh", &node.port.to_string()])
                        .arg(testbed::client_key())
                        .arg(node.known_hosts())
                        .args([&target.base, &n_text, &variant]);
                }
            }
            c
        }
        (Tool::Collection, Place::Ssh(node)) => {
            let bin = cm_bin();
            let services = bench_dir().join(format!("specs/collection-{n}-{variant}.json"));
            std::fs::create_dir_all(services.parent().unwrap()).unwrap();
            std::fs::write(&services, services_json(n, target.variant)).unwrap();
            let mut c = Command::new(bin.join("ansible-playbook"));
            c.arg("-i")
                .arg(ansible_inventory(node))
                .arg(workspace().join("benches/ansible/collection.yml"))
                .args(["-e", &format!("base={}", target.base), "-e"])
                .arg(format!("@{}", services.display()))
                .env("ANSIBLE_COLLECTIONS_PATH", collections())
                .env("ANSIBLE_STDOUT_CALLBACK", "supd_json")
                .env(
                    "ANSIBLE_CALLBACK_PLUGINS",
                    workspace().join("tests/ansible/callback_plugins"),
                )
                .env("XDG_CACHE_HOME", bench_dir().join("cache"));
            c
        }
        (Tool::Pyinfra, Place::Ssh(node)) => {
            let inventory = bench_dir().join("pyinfra-inventory.py");
            std::fs::write(
                &inventory,
                format!(
                    "hosts = [(\"node\", {{\"ssh_hostname\": \"127.0.0.1\", \"ssh_port\": {}, \"ssh_user\": \"root\", \"ssh_key\": {:?}, \"ssh_known_hosts_file\": {:?}, \"ssh_strict_host_key_checking\": \"yes\", \"ssh_allow_agent\": False, \"ssh_look_for_keys\": False}})]\n",
                    node.port,
                    testbed::client_key().display().to_string(),
                    node.known_hosts().display().to_string()
                ),
            )
            .unwrap();
            let mut c = Command::new(cm_bin().join("pyinfra"));
            c.arg(&inventory)
                .arg(workspace().join("benches/pyinfra/deploy.py"))
                .args(["-y", "--json"])
                .env("BENCH_BASE", &target.base)
                .env("BENCH_N", &n_text)
                .env("BENCH_VARIANT", &variant)
                .env("XDG_CACHE_HOME", bench_dir().join("cache"));
            c
        }
        (Tool::Collection | Tool::Pyinfra, Place::Local(_)) => {
            unreachable!("the plugins are measured over ssh")
        }
        (Tool::Floor, Place::Local(_)) => {
            let mut c = Command::new("bash");
            c.arg(workspace().join("benches/floor.sh"))
                .args([&target.base, &n_text, &variant]);
            c
        }
        (Tool::Floor, Place::Ssh(node)) => {
            let mut c = ssh_command(node);
            c.args(["bash", "-s", "--", &target.base, &n_text, &variant])
                .stdin(std::fs::File::open(workspace().join("benches/floor.sh")).unwrap());
            c
        }
        (Tool::Ansible, place) => {
            let mut c = Command::new(ansible.expect("ansible is installed"));
            let playbook = workspace().join("benches/ansible/converge.yml");
            match place {
                Place::Local(_) => {
                    c.args(["-i", "localhost,", "-c", "local"]);
                }
                Place::Ssh(node) => {
                    c.arg("-i").arg(ansible_inventory(node));
                }
            }
            c.arg(playbook)
                .args([
                    "-e",
                    &format!("base={}", target.base),
                    "-e",
                    &format!("n={n}"),
                    "-e",
                    &format!("variant={variant}"),
                ])
                .env("ANSIBLE_PYTHON_INTERPRETER", "/usr/bin/python3")
                .env("ANSIBLE_NOCOLOR", "1");
            c
        }
    };
    if command.get_program() != "ssh" {
        command.stdin(Stdio::null());
    }
    let start = Instant::now();
    let out = command.output().unwrap();
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "{:?} failed:\n{}\n{}",
        target.tool,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let json = match target.tool {
        Tool::Harness => Some(serde_json::from_slice(&out.stdout).unwrap()),
        // The same fields as a node of supd's JSON.
        Tool::Python => Some(serde_json::json!({
            "nodes": [serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()]
        })),
        Tool::Collection => {
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let result = &json["plays"][0]["tasks"][0]["hosts"]["node"];
            let changed = if result["changed"] == true { 1 } else { 0 };
            Some(serde_json::json!({
                "nodes": [{"changed": changed, "round_trips": result["round_trips"]}]
            }))
        }
        _ => None,
    };
    (elapsed, json)
}

/// Back to "supervisord not running, no configuration files".
fn reset(target: &Target) {
    match &target.place {
        Place::Local(_) => {
            kill_supervisord(Path::new(&format!("{}/run/supervisord.pid", target.base)));
            let base = Path::new(&target.base);
            let _ = std::fs::remove_file(base.join("etc/supervisord.conf"));
            for dir in ["etc/conf.d", "run"] {
                if let Ok(entries) = std::fs::read_dir(base.join(dir)) {
                    for entry in entries.flatten() {
                        let _ = std::fs::remove_file(entry.path());
                    }
                }
            }
        }
        Place::Ssh(node) => {
            let base = &target.base;
            let script = format!(
                "pid=$(cat {base}/run/supervisord.pid 2>/dev/null); if [ -n \"$pid\" ]; then kill -STOP $pid; pkill -KILL -P $pid; kill -KILL $pid; fi; rm -f {base}/run/* {base}/etc/supervisord.conf {base}/etc/conf.d/*; true"
            );
            run_ok(ssh_command(node).arg(script));
        }
    }
}

/// A virtual environment with supervisor for the floor and Ansible.
fn ensure_venv(target: &Target) {
    let script = format!(
        "[ -x {0}/venv/bin/supervisord ] || {{ mkdir -p {0} && python3 -m venv {0}/venv && {0}/venv/bin/pip install -q --disable-pip-version-check supervisor==4.3.0; }}",
        target.base
    );
    match &target.place {
        Place::Local(_) => run_ok(Command::new("sh").args(["-c", &script])),
        Place::Ssh(node) => run_ok(ssh_command(node).arg(script)),
    };
}

type Samples = BTreeMap<(String, Case, usize, Tool), Vec<Duration>>;

/// Round trips (remote commands) per run, the most seen, by tool.
type Trips = BTreeMap<(String, Case, usize, Tool), usize>;

/// Interleaved runs of the three cases for `n` programs on `targets`.
fn section(
    label: &str,
    targets: &mut [Target],
    n: usize,
    runs: usize,
    ansible: Option<&Path>,
    samples: &mut Samples,
    trips: &mut Trips,
) {
    eprintln!("bench: {label}, {n} programs");
    for target in targets.iter_mut() {
        if matches!(target.tool, Tool::Floor | Tool::Ansible) {
            ensure_venv(target);
        }
        reset(target);
        target.variant = 0;
        converge(target, n, ansible);
    }
    for run in 0..runs {
        for case in [Case::First, Case::Idempotent, Case::OneChanged] {
            // Rotate who goes first, so no tool always runs on a warm cache.
            let count = targets.len();
            for k in 0..count {
                let target = &mut targets[(k + run) % count];
                match case {
                    Case::First => reset(target),
                    Case::Idempotent => {}
                    Case::OneChanged => target.variant = 1 - target.variant,
                }
                let (elapsed, json) = converge(target, n, ansible);
                if let Some(json) = json {
                    let node = &json["nodes"][0];
                    if case == Case::Idempotent {
                        assert_eq!(
                            node["changed"], 0,
                            "{:?}: an idempotent run changed something: {node:#}",
                            target.tool
                        );
                    }
                    let commands = node["round_trips"].as_u64().unwrap_or(99) as usize;
                    if target.tool == Tool::Collection {
                        assert!(
                            commands <= 2,
                            "the collection ran {commands} remote commands"
                        );
                    }
                    let seen = trips
                        .entry((label.to_string(), case, n, target.tool))
                        .or_insert(commands);
                    *seen = (*seen).max(commands);
                }
                samples
                    .entry((label.to_string(), case, n, target.tool))
                    .or_default()
                    .push(elapsed);
            }
        }
    }
    for target in targets.iter() {
        reset(target);
    }
}

fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let only = std::env::var("BENCH_ONLY").unwrap_or_else(|_| "local,ssh,fleet".into());
    let ansible = ansible_playbook();
    // BENCH_TOOLS narrows the tools (supd always runs): floor, python,
    // collection, pyinfra, ansible.
    let wanted = std::env::var("BENCH_TOOLS")
        .unwrap_or_else(|_| "floor,python,collection,pyinfra,ansible".into());
    let tools: Vec<Tool> = [Tool::Harness]
        .into_iter()
        .chain(wanted.contains("floor").then_some(Tool::Floor))
        .chain(wanted.contains("python").then_some(Tool::Python))
        .chain(wanted.contains("collection").then_some(Tool::Collection))
        .chain(wanted.contains("pyinfra").then_some(Tool::Pyinfra))
        .chain(
            ansible
                .as_ref()
                .filter(|_| wanted.contains("ansible"))
                .map(|_| Tool::Ansible),
        )
        .collect();
    // The plugins of Ansible and pyinfra are measured over ssh only.
    let local_tools: Vec<Tool> = tools
        .iter()
        .copied()
        .filter(|t| !matches!(t, Tool::Collection | Tool::Pyinfra))
        .collect();
    let mut samples = Samples::new();
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "1,10,50".into())
        .split(',')
        .map(|n| n.trim().parse().expect("BENCH_SIZES holds whole numbers"))
        .collect();
    let mut trips = Trips::new();
    let mut fleet = Vec::new();
    let mut controller = None;

    if only.contains("local") {
        for &n in &sizes {
            let mut targets: Vec<Target> = local_tools
                .iter()
                .map(|tool| {
                    let root = bench_dir()
                        .join("local")
                        .join(format!("{tool:?}").to_lowercase());
                    std::fs::create_dir_all(&root).unwrap();
                    Target {
                        tool: *tool,
                        base: root.join("opt/supervisord").display().to_string(),
                        place: Place::Local(root),
                        variant: 0,
                    }
                })
                .collect();
            section(
                "local",
                &mut targets,
                n,
                runs,
                ansible.as_deref(),
                &mut samples,
                &mut trips,
            );
        }
    }
    if only.contains("ssh")
        && let Some(nodes) = testbed::nodes("bench-ssh", 1)
    {
        let node = &nodes[0];
        for &n in &sizes {
            let mut targets: Vec<Target> = tools
                .iter()
                .map(|tool| Target {
                    tool: *tool,
                    base: format!("/opt/bench-{}", format!("{tool:?}").to_lowercase()),
                    place: Place::Ssh(node),
                    variant: 0,
                })
                .collect();
            section(
                "ssh",
                &mut targets,
                n,
                runs,
                ansible.as_deref(),
                &mut samples,
                &mut trips,
            );
        }
        if tools.contains(&Tool::Collection) {
            controller = Some(controller_cpu(node, runs));
        }
    }
    if only.contains("fleet") {
        for size in [1, 4, 16] {
            let Some(nodes) = testbed::nodes(&format!("bench-fleet{size}"), size) else {
                break;
            };
            fleet.push((size, fleet_run(&nodes, runs)));
        }
    }
    let mut table = render(&samples, &trips, &fleet, runs);
    if let Some(cpu) = controller {
        let _ = write!(
            table,
            "\nController CPU of `ansible-playbook` (user + system of the whole process tree, ssh clients included; medians of {runs}): \
             the collection's idempotent converge of 50 programs per host against a task that runs one remote command and no module (`raw: true`).\n\n\
             | hosts | collection | no-op task | beyond the no-op |\n|---|---|---|---|\n"
        );
        for c in &cpu {
            let _ = writeln!(
                table,
                "| {} | {:.0} ms | {:.0} ms | {:.0} ms ({:.0} ms per host) |",
                c.hosts,
                c.collection.as_secs_f64() * 1e3,
                c.noop.as_secs_f64() * 1e3,
                c.beyond_noop() * 1e3,
                c.beyond_noop() * 1e3 / c.hosts as f64,
            );
        }
        if let [one, many] = &cpu[..] {
            let per_host =
                (many.beyond_noop() - one.beyond_noop()) / (many.hosts - one.hosts) as f64;
            let _ = writeln!(
                table,
                "\nOne more host costs the plugin {:.0} ms of controller CPU beyond the no-op task ((beyond at {} hosts - beyond at 1) / {}); \
                 a playbook run pays {:.0} ms once.",
                per_host * 1e3,
                many.hosts,
                many.hosts - one.hosts,
                (one.beyond_noop() - per_host) * 1e3,
            );
        }
    }
    println!("{table}");
    if let Ok(out) = std::env::var("BENCH_OUT") {
        std::fs::write(out, &table).unwrap();
    }
}

/// CPU time (user + system) of a command and every child it waited for,
/// from getrusage(RUSAGE_CHILDREN) in a Python wrapper (microseconds;
/// /usr/bin/time prints hundredths of a second).
fn cpu_of(command: Command) -> Duration {
    const WRAPPER: &str = "import resource, subprocess, sys\n\
        code = subprocess.call(sys.argv[1:])\n\
        r = resource.getrusage(resource.RUSAGE_CHILDREN)\n\
        print('@cpu %.6f %.6f' % (r.ru_utime, r.ru_stime), file=sys.stderr)\n\
        sys.exit(code)\n";
    let program = command.get_program().to_owned();
    let args: Vec<_> = command.get_args().map(|a| a.to_owned()).collect();
    let mut timed = Command::new("python3");
    timed.args(["-c", WRAPPER]).arg(program).args(args);
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => timed.env(key, value),
            None => timed.env_remove(key),
        };
    }
    timed.stdout(Stdio::null());
    let out = timed.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("@cpu "))
        .unwrap();
    let secs: f64 = line[5..]
        .split_whitespace()
        .map(|t| t.parse::<f64>().unwrap())
        .sum();
    Duration::from_secs_f64(secs)
}

/// Controller CPU of `ansible-playbook` against `hosts` hosts (medians):
/// the collection's idempotent converge of 50 programs on each, and a task
/// that runs one remote command and no module.
struct ControllerCpu {
    hosts: usize,
    collection: Duration,
    noop: Duration,
}

impl ControllerCpu {
    /// What the collection costs beyond the no-op task, for all hosts.
    fn beyond_noop(&self) -> f64 {
        self.collection.as_secs_f64() - self.noop.as_secs_f64()
    }
}

/// The controller CPU for 1 host and for 8 (eight inventory hosts on the
/// one test-bed node, each its own supervisord under its own prefix): the
/// difference is what one more host costs, apart from what a playbook run
/// pays once (ansible-core imports an action plugin, and with it wasmtime,
/// in its main process before it forks a worker per host).
fn controller_cpu(node: &TestNode, runs: usize) -> Vec<ControllerCpu> {
    eprintln!("bench: controller CPU of the collection");
    let services = bench_dir().join("specs/collection-cpu.json");
    std::fs::write(&services, services_json(50, 0)).unwrap();
    [1, 8]
        .into_iter()
        .map(|hosts| {
            let inventory = bench_dir().join(format!("inventory-cpu{hosts}.ini"));
            let line = std::fs::read_to_string(ansible_inventory(node)).unwrap();
            let text: String = (0..hosts)
                .map(|i| {
                    format!(
                        "h{i} base=/opt/bench-cpu{i} {}",
                        line.trim_start_matches("node ")
                    )
                })
                .collect();
            std::fs::write(&inventory, text).unwrap();
            let playbook = |file: &str| {
                let mut c = Command::new(cm_bin().join("ansible-playbook"));
                c.arg("-i")
                    .arg(&inventory)
                    .arg(workspace().join("benches/ansible").join(file))
                    .arg("-e")
                    .arg(format!("@{}", services.display()))
                    .env("ANSIBLE_COLLECTIONS_PATH", collections())
                    .env("XDG_CACHE_HOME", bench_dir().join("cache"))
                    .stdout(Stdio::null());
                c
            };
            // Converges every host first: what follows is idempotent.
            cpu_of(playbook("collection.yml"));
            let mut collection = Vec::new();
            let mut noop = Vec::new();
            for _ in 0..runs {
                collection.push(cpu_of(playbook("collection.yml")));
                noop.push(cpu_of(playbook("noop.yml")));
            }
            ControllerCpu {
                hosts,
                collection: median(&collection),
                noop: median(&noop),
            }
        })
        .collect()
}

/// One fleet measurement: medians of wall time and machine-wide CPU time.
#[derive(Clone, Copy)]
struct FleetTimes {
    wall: Duration,
    cpu: Duration,
}

/// Medians for the harness and the floor converging every node of a fleet
/// at once: 10 programs per node, supervisor 4.3.0 from PyPI, from
/// "supervisor installed, supervisord not running, no configuration".
fn fleet_run(nodes: &[TestNode], runs: usize) -> (FleetTimes, FleetTimes) {
    eprintln!("bench: fleet of {}", nodes.len());
    const PROGRAMS: usize = 10;
    let harness_base = "/opt/bench-harness";
    let floor_base = "/opt/bench-floor";
    let dir = bench_dir().join("specs");
    std::fs::create_dir_all(&dir).unwrap();
    let known_hosts = dir.join(format!("fleet{}-known_hosts", nodes.len()));
    std::fs::write(
        &known_hosts,
        nodes
            .iter()
            .map(|n| std::fs::read_to_string(n.known_hosts()).unwrap())
            .collect::<String>(),
    )
    .unwrap();
    let addresses: Vec<String> = nodes.iter().map(|n| format!("{:?}", n.address())).collect();
    let mut text = format!(
        "[groups.fleet]\nnodes = [{}]\n[groups.fleet.ssh]\nidentity = {:?}\nknown-hosts = {:?}\n\
         [groups.fleet.settings]\ninstall = {{ strategy = \"pip\", version = \"4.3.0\" }}\nprefix = {:?}\n",
        addresses.join(", "),
        testbed::client_key().display().to_string(),
        known_hosts.display().to_string(),
        harness_base,
    );
    for i in 0..PROGRAMS {
        let _ = write!(
            text,
            "[groups.fleet.services.p{i}.settings]\ncommand = \"sleep {}\"\nstartsecs = 0\n",
            100_000 + i
        );
    }
    let spec = dir.join(format!("fleet{}.toml", nodes.len()));
    std::fs::write(&spec, text).unwrap();
    let measure = |tool: Tool| {
        let perf = std::env::var("BENCH_PERF").ok().map(|_| {
            Command::new("perf")
                .args(["record", "-a", "-q", "-o"])
                .arg(format!("/tmp/fleet{}-{tool:?}.perf", nodes.len()))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        });
        if perf.is_some() {
            std::thread::sleep(Duration::from_millis(300));
        }
        let cpu = cpu_busy();
        let start = Instant::now();
        match tool {
            Tool::Harness => {
                run_ok(Command::new(env!("CARGO_BIN_EXE_supd")).args([
                    "apply",
                    spec.to_str().unwrap(),
                    "--forks",
                    "16",
                ]));
            }
            _ => {
                // The floor's fleet: the same script to every node at once.
                let n = PROGRAMS.to_string();
                let children: Vec<_> = nodes
                    .iter()
                    .map(|node| {
                        ssh_command(node)
                            .args(["bash", "-s", "--", floor_base, &n, "0"])
                            .stdin(
                                std::fs::File::open(workspace().join("benches/floor.sh")).unwrap(),
                            )
                            .stdout(Stdio::null())
                            .spawn()
                            .unwrap()
                    })
                    .collect();
                for mut child in children {
                    assert!(
                        child.wait().unwrap().success(),
                        "the floor failed on a node"
                    );
                }
            }
        }
        let times = FleetTimes {
            wall: start.elapsed(),
            cpu: cpu_busy() - cpu,
        };
        if let Some(mut perf) = perf {
            // SIGINT makes perf write its file and exit.
            let _ = Command::new("kill")
                .args(["-INT", &perf.id().to_string()])
                .status();
            perf.wait().unwrap();
        }
        times
    };
    let reset_all = |base: &str| {
        std::thread::scope(|scope| {
            for node in nodes {
                scope.spawn(move || {
                    reset(&Target {
                        tool: Tool::Floor,
                        place: Place::Ssh(node),
                        base: base.to_string(),
                        variant: 0,
                    })
                });
            }
        });
    };
    // Installs, untimed: the harness's own plan (python3-venv and supervisor
    // into its layout), then the floor's venv, then one converge each.
    measure(Tool::Harness);
    std::thread::scope(|scope| {
        for node in nodes {
            scope.spawn(move || {
                ensure_venv(&Target {
                    tool: Tool::Floor,
                    place: Place::Ssh(node),
                    base: floor_base.to_string(),
                    variant: 0,
                })
            });
        }
    });
    measure(Tool::Floor);
    let mut samples: BTreeMap<Tool, (Vec<Duration>, Vec<Duration>)> = BTreeMap::new();
    for run in 0..runs {
        let order = if run % 2 == 0 {
            [Tool::Harness, Tool::Floor]
        } else {
            [Tool::Floor, Tool::Harness]
        };
        for tool in order {
            reset_all(if tool == Tool::Harness {
                harness_base
            } else {
                floor_base
            });
            let times = measure(tool);
            let entry = samples.entry(tool).or_default();
            entry.0.push(times.wall);
            entry.1.push(times.cpu);
        }
    }
    reset_all(harness_base);
    reset_all(floor_base);
    let medians = |tool| {
        let (wall, cpu) = &samples[&tool];
        FleetTimes {
            wall: median(wall),
            cpu: median(cpu),
        }
    };
    (medians(Tool::Harness), medians(Tool::Floor))
}

/// CPU time the whole machine spent busy since boot (every process, every
/// core): a fleet apply's nodes run outside supd's process tree.
fn cpu_busy() -> Duration {
    let stat = std::fs::read_to_string("/proc/stat").unwrap();
    let ticks: Vec<u64> = stat
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .skip(1)
        .map(|t| t.parse().unwrap())
        .collect();
    // user nice system idle iowait irq softirq steal; USER_HZ is 100 on Linux.
    let busy: u64 = ticks.iter().take(8).sum::<u64>() - ticks[3] - ticks[4];
    Duration::from_millis(busy * 10)
}

fn render(
    samples: &Samples,
    trips: &Trips,
    fleet: &[(usize, (FleetTimes, FleetTimes))],
    runs: usize,
) -> String {
    let tools: Vec<Tool> = {
        let mut tools: Vec<Tool> = samples.keys().map(|(_, _, _, t)| *t).collect();
        tools.sort();
        tools.dedup();
        tools
    };
    let mut out = format!(
        "Medians of {runs} interleaved runs, seconds. {}.\n\n| where | case | N |",
        tools
            .iter()
            .map(|t| format!("{} = {}", t.name(), t.what()))
            .collect::<Vec<_>>()
            .join("; ")
    );
    for tool in &tools {
        let _ = write!(out, " {} |", tool.name());
    }
    out.push_str(" supd/floor |");
    for tool in tools
        .iter()
        .filter(|t| !matches!(t, Tool::Harness | Tool::Floor))
    {
        let _ = write!(out, " {}/supd |", tool.name());
    }
    out.push_str(" round trips (supd, collection) |\n|---|---|---:|");
    for _ in 0..tools.len() + 1 + tools.len().saturating_sub(2) {
        out.push_str("---:|");
    }
    out.push_str("---:|\n");
    let mut keys: Vec<(String, Case, usize)> = samples
        .keys()
        .map(|(w, c, n, _)| (w.clone(), *c, *n))
        .collect();
    keys.dedup();
    for (place, case, n) in keys {
        let get = |tool| {
            samples
                .get(&(place.clone(), case, n, tool))
                .map(|s| median(s))
        };
        let _ = write!(out, "| {place} | {} | {n} |", case.name());
        for tool in &tools {
            let _ = write!(
                out,
                " {} |",
                get(*tool).map(secs).unwrap_or_else(|| "-".into())
            );
        }
        let harness = get(Tool::Harness).expect("supd always runs");
        let ratio = |a: Option<Duration>, b: Duration| {
            a.map(|a| format!("{:.2}", a.as_secs_f64() / b.as_secs_f64()))
                .unwrap_or_else(|| "-".into())
        };
        if let Some(floor) = get(Tool::Floor) {
            let _ = write!(out, " {} |", ratio(Some(harness), floor));
        } else {
            out.push_str(" - |");
        }
        for tool in tools
            .iter()
            .filter(|t| !matches!(t, Tool::Harness | Tool::Floor))
        {
            let _ = write!(out, " {} |", ratio(get(*tool), harness));
        }
        let trip = |tool| {
            trips
                .get(&(place.clone(), case, n, tool))
                .map(|t| t.to_string())
        };
        let _ = writeln!(
            out,
            " {} |",
            [trip(Tool::Harness), trip(Tool::Collection)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    if !fleet.is_empty() {
        let (one, floor_one) = fleet[0].1;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let _ = write!(
            out,
            "\nFleet: every node converged at once (`supd apply --forks 16`; the floor: benches/floor.sh over one ssh per node, all started together), \
             10 programs per node, supervisor 4.3.0 from PyPI, from supervisord stopped and unconfigured. \
             CPU = busy time of the whole machine during the run (ssh, every node's sshd, shell, python, supervisord and its programs, supd); \
             CPU / {cores} cores is the least wall time that work can take here.\n\n\
             | nodes | harness, s | vs 1 node | harness CPU, s | CPU / {cores} cores, s | floor, s | floor vs 1 node | floor CPU, s | harness/floor |\n\
             |---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        );
        for (size, (harness, floor)) in fleet {
            let _ = writeln!(
                out,
                "| {size} | {} | {:.2}x | {} | {} | {} | {:.2}x | {} | {:.2} |",
                secs(harness.wall),
                harness.wall.as_secs_f64() / one.wall.as_secs_f64(),
                secs(harness.cpu),
                secs(harness.cpu / cores as u32),
                secs(floor.wall),
                floor.wall.as_secs_f64() / floor_one.wall.as_secs_f64(),
                secs(floor.cpu),
                harness.wall.as_secs_f64() / floor.wall.as_secs_f64(),
            );
        }
    }
    out
}
