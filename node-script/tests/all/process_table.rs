//! The facts script against a real supervisord (4.3.0 from the test venv):
//! when its children are every process the probe set expects running, the
//! processes come from the process table, and they say what supervisord
//! itself says of them; otherwise supervisord is asked for every process.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use supervisord_node_script::bindings::{NodeFacts, ProbeSet, RunningGroup, SupervisorState};
use supervisord_node_script::facts;

use crate::support::*;

/// A supervisord in the foreground; killed with its children on drop.
struct Daemon {
    child: Child,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let pid = self.child.id();
        // Frozen first: a running supervisord restarts the programs killed
        // under it, and the new ones would outlive it.
        let _ = Command::new("kill")
            .args(["-STOP", &pid.to_string()])
            .status();
        let children =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        for child in children.split_whitespace() {
            let _ = Command::new("kill").args(["-KILL", child]).status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, socket: &str) -> Daemon {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("target/py-venv/bin");
    assert!(
        venv.join("supervisord").exists(),
        "target/py-venv has supervisord (scripts/setup.sh makes it)"
    );
    let d = dir.display();
    let config = format!(
        "[unix_http_server]\nfile={socket}\n\
         [supervisord]\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\nchildlogdir={d}\n\
         [rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
         [program:alone]\ncommand=sleep 600\nstartsecs=0\n\
         [program:pair]\ncommand=sleep 600\nstartsecs=0\nnumprocs=2\nprocess_name=pair_%(process_num)d\n\
         [program:lazy]\ncommand=sleep 600\nautostart=false\n"
    );
    std::fs::write(dir.join("supervisord.conf"), config).unwrap();
    let child = Command::new(venv.join("supervisord"))
        .args(["-n", "-c"])
        .arg(dir.join("supervisord.conf"))
        .spawn()
        .expect("supervisord starts");
    Daemon { child }
}

fn probes(socket: &str, running: &[(&str, u32)]) -> ProbeSet {
    ProbeSet {
        paths: vec![],
        listings: vec![],
        pid_files: vec![],
        packages: vec![],
        venvs: vec![],
        sockets: vec![socket.to_string()],
        watches: vec![],
        records: vec![],
        locations: Vec::new(),
        running: running
            .iter()
            .map(|(name, processes)| RunningGroup {
                name: name.to_string(),
                processes: *processes,
            })
            .collect(),
    }
}

fn facts_of(probes: &ProbeSet, root: &str) -> NodeFacts {
    facts::parse(probes, root, &run(&facts::script(probes))).expect("facts parse")
}

fn supervisor(facts: &NodeFacts) -> &SupervisorState {
    facts
        .supervisors
        .first()
        .unwrap_or_else(|| panic!("supervisord answered: {facts:#?}"))
}

#[test]
fn running_processes_come_from_the_process_table_and_match_supervisord() {
    let dir = scratch("process-table");
    let root = dir.display().to_string();
    // A short path: a unix socket path has at most 107 bytes.
    let socket = format!("/tmp/supd-process-table-{}.sock", std::process::id());
    let _daemon = start(&dir, &socket);

    // supervisord's own answer, once the three processes run.
    let every = probes(&socket, &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let truth = loop {
        let facts = facts_of(&every, &root);
        let running = facts.supervisors.first().map_or(0, |s| {
            s.processes.iter().filter(|p| p.state == "RUNNING").count()
        });
        if running == 3 {
            break facts;
        }
        assert!(
            Instant::now() < deadline,
            "supervisord ran 3 processes: {facts:#?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let truth = supervisor(&truth);
    assert!(truth.complete);
    assert_eq!(
        truth.processes.len(),
        4,
        "lazy is listed, STOPPED: {truth:#?}"
    );

    let table = facts_of(&probes(&socket, &[("alone", 1), ("pair", 2)]), &root);
    let table = supervisor(&table);
    assert!(!table.complete, "read from the process table: {table:#?}");
    let running: Vec<_> = truth
        .processes
        .iter()
        .filter(|p| p.state == "RUNNING")
        .collect();
    assert_eq!(table.processes.len(), running.len(), "{table:#?}");
    for (read, told) in table.processes.iter().zip(running) {
        assert_eq!(
            (&read.group, &read.name, &read.state, read.pid),
            (&told.group, &told.name, &told.state, told.pid)
        );
        assert!(read.pid > 0);
        let prefix = format!("pid {}, uptime 0:", read.pid);
        assert!(
            read.description.starts_with(&prefix) && told.description.starts_with(&prefix),
            "{read:?} / {told:?}"
        );
    }

    // A group that is not all up (here: not known at all), or a count that
    // is off, sends the probe back to supervisord's full answer.
    for running in [
        &[("alone", 1), ("pair", 2), ("ghost", 1)][..],
        &[("alone", 1), ("pair", 1)][..],
        &[("alone", 1), ("lazy", 1)][..],
    ] {
        let facts = facts_of(&probes(&socket, running), &root);
        let state = supervisor(&facts);
        assert!(state.complete, "{running:?}: {state:#?}");
        assert_eq!(state.processes.len(), 4, "{running:?}: {state:#?}");
    }
    let _ = std::fs::remove_file(&socket);
}
