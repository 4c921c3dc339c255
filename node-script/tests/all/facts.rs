//! The facts script run by a real `sh` over a scratch directory, and its
//! output parsed back.

use supervisord_node_script::bindings::{PathKind, ProbeSet, ScriptOutput};
use supervisord_node_script::facts;

use crate::support::*;

fn probes(paths: Vec<String>, listings: Vec<String>, pid_files: Vec<String>) -> ProbeSet {
    ProbeSet {
        paths,
        listings,
        pid_files,
        packages: vec!["bash".into(), "no-such-package-here".into()],
        venvs: vec![],
        sockets: vec![],
        watches: vec![],
        records: vec![],
        locations: Vec::new(),
        running: vec![],
    }
}

#[test]
fn facts_of_files_directories_listings_and_pid_files() {
    let dir = scratch("facts");
    let d = dir.display().to_string();
    std::fs::write(dir.join("file"), "first line\nsecond\n").unwrap();
    std::fs::create_dir(dir.join("conf.d")).unwrap();
    std::fs::write(dir.join("conf.d/a.conf"), "a\n").unwrap();
    std::fs::write(dir.join("conf.d/b.conf"), "").unwrap();
    // A process whose command line says supervisord, as the pid of a live
    // daemon; this test's own pid is some other program's.
    let mut daemon = std::process::Command::new("python3")
        .args([
            "-c",
            "import os; os.execv('/bin/sleep', ['supervisord-stand-in', '60'])",
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    std::fs::write(dir.join("live.pid"), format!("{}\n", daemon.id())).unwrap();
    std::fs::write(dir.join("other.pid"), format!("{}\n", std::process::id())).unwrap();
    std::fs::write(dir.join("dead.pid"), "999999999\n").unwrap();
    std::fs::write(dir.join("junk.pid"), "not a pid").unwrap();
    let probes = probes(
        vec![
            format!("{d}/file"),
            format!("{d}/missing"),
            format!("{d}/conf.d"),
        ],
        vec![format!("{d}/conf.d")],
        vec![
            format!("{d}/live.pid"),
            format!("{d}/other.pid"),
            format!("{d}/dead.pid"),
            format!("{d}/junk.pid"),
            format!("{d}/none.pid"),
        ],
    );
    let output = run(&facts::script(&probes));
    let facts = facts::parse(&probes, &d, &output).expect("facts parse");
    assert!(facts.gathered);
    assert_eq!(facts.root, d);
    let path = |p: &str| {
        facts
            .paths
            .iter()
            .find(|f| f.path == format!("{d}/{p}"))
            .unwrap_or_else(|| panic!("no fact for {p}: {:#?}", facts.paths))
    };
    let PathKind::File(info) = &path("file").kind else {
        panic!("file is a file: {:?}", path("file"));
    };
    assert_eq!(info.size, 18);
    assert_eq!(info.head, "first line");
    assert_eq!(info.sha256, sha256_of(b"first line\nsecond\n"));
    assert_eq!(path("missing").kind, PathKind::Missing);
    assert_eq!(path("conf.d").kind, PathKind::Directory);
    assert!(matches!(path("conf.d/a.conf").kind, PathKind::File(_)));
    let PathKind::File(empty) = &path("conf.d/b.conf").kind else {
        panic!("an empty file is a file");
    };
    assert_eq!(empty.size, 0);
    let uid = current_uid();
    assert_eq!(facts.login.uid, uid);
    assert!(facts.python.is_some(), "this machine has python3");
    let process = |p: &str| {
        facts
            .processes
            .iter()
            .find(|f| f.pid_file == format!("{d}/{p}"))
            .unwrap()
    };
    assert!(process("live.pid").alive);
    assert_eq!(process("live.pid").pid, Some(daemon.id()));
    assert!(
        !process("other.pid").alive,
        "a live pid that is not a supervisord is not the daemon"
    );
    let _ = daemon.kill();
    let _ = daemon.wait();
    assert!(!process("dead.pid").alive);
    assert_eq!(process("junk.pid").pid, None);
    assert_eq!(process("none.pid").pid, None);
    let package = |n: &str| facts.packages.iter().find(|p| p.name == n).unwrap();
    assert!(package("bash").version.is_some(), "bash is installed here");
    assert_eq!(package("no-such-package-here").version, None);
}

#[test]
fn output_that_did_not_finish_is_an_error_naming_the_output() {
    let probes = probes(vec![], vec![], vec![]);
    let cut = ScriptOutput {
        stdout: "os\tID\tdebian\ninit\tnone\n".into(),
        stderr: "sh: 3: Syntax error: end of file unexpected\n".into(),
        exit_code: Some(2),
    };
    let error = facts::parse(&probes, "/", &cut).unwrap_err();
    assert_eq!(error.field, "output");
    assert!(
        error.message.contains("did not finish"),
        "{}",
        error.message
    );
    assert!(error.message.contains("Syntax error"), "{}", error.message);
}

fn sha256_of(bytes: &[u8]) -> String {
    use std::process::{Command, Stdio};
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

fn current_uid() -> u32 {
    let out = std::process::Command::new("id").arg("-u").output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn watched_files_and_directories_hash_and_records_read_whole() {
    let dir = scratch("watches");
    let d = dir.display().to_string();
    std::fs::write(dir.join("app.jar"), "v1").unwrap();
    std::fs::create_dir_all(dir.join("conf/sub")).unwrap();
    std::fs::write(dir.join("conf/a.yml"), "a").unwrap();
    std::fs::write(dir.join("conf/sub/b yml"), "b").unwrap();
    std::fs::write(dir.join("state"), "web\t/x\tabc\n\nlast").unwrap();
    let mut probes = probes(vec![], vec![], vec![]);
    probes.watches = vec![
        format!("{d}/app.jar"),
        format!("{d}/conf"),
        format!("{d}/gone"),
    ];
    probes.records = vec![format!("{d}/state"), format!("{d}/no-state")];
    let read = |probes: &ProbeSet| {
        let output = run(&facts::script(probes));
        facts::parse(probes, &d, &output).expect("facts parse")
    };
    let facts = read(&probes);
    let hash = |p: &str| {
        facts
            .watched
            .iter()
            .find(|w| w.path == format!("{d}/{p}"))
            .unwrap()
            .hash
            .clone()
    };
    assert_eq!(hash("app.jar"), Some(sha256_of(b"v1")));
    assert_eq!(hash("gone"), None);
    let tree = format!(
        "a.yml\0{}\nsub/b yml\0{}\n",
        sha256_of(b"a"),
        sha256_of(b"b")
    );
    assert_eq!(
        hash("conf"),
        Some(sha256_of(tree.as_bytes())),
        "the directory's files, sorted"
    );
    assert!(
        facts.paths.iter().all(|p| !p.path.contains("/conf/")),
        "watched files are not path facts"
    );
    let record = |p: &str| {
        facts
            .records
            .iter()
            .find(|r| r.path == format!("{d}/{p}"))
            .unwrap()
            .content
            .clone()
    };
    assert_eq!(record("state").as_deref(), Some("web\t/x\tabc\n\nlast\n"));
    assert_eq!(record("no-state"), None);

    std::fs::write(dir.join("conf/sub/b yml"), "b2").unwrap();
    let changed = read(&probes);
    let conf = changed
        .watched
        .iter()
        .find(|w| w.path.ends_with("/conf"))
        .unwrap();
    assert_ne!(
        conf.hash,
        hash("conf"),
        "a file deep in the directory changed its hash"
    );
}

#[test]
fn location_records_are_followed_in_the_same_run() {
    let dir = scratch("facts-location");
    let d = dir.display().to_string();
    std::fs::create_dir(dir.join("conf.d")).unwrap();
    std::fs::write(dir.join("conf.d/web.conf"), "; web\n").unwrap();
    std::fs::write(dir.join("supervisord.conf"), "[supervisord]\n").unwrap();
    std::fs::write(dir.join("applied"), "abc\n").unwrap();
    std::fs::write(dir.join("dead.pid"), "999999999\n").unwrap();
    let location = format!(
        "# where it lives\nowner\tdefault\npath\t{d}/supervisord.conf\npath\t{d}/conf.d\nlisting\t{d}/conf.d\npid-file\t{d}/dead.pid\nsocket\t{d}/none.sock\nrecord\t{d}/applied\nsettings\t{{\"a\": 1}}\n"
    );
    std::fs::write(dir.join("location"), &location).unwrap();
    let mut probes = probes(vec![], vec![], vec![]);
    probes.locations = vec![format!("{d}/location"), format!("{d}/no-such-location")];
    let output = run(&facts::script(&probes));
    let facts = facts::parse(&probes, &d, &output).expect("facts parse");
    let has_path = |p: &str| facts.paths.iter().any(|f| f.path == format!("{d}/{p}"));
    for path in ["supervisord.conf", "conf.d", "conf.d/web.conf"] {
        assert!(has_path(path), "{path} followed: {:#?}", facts.paths);
    }
    let record = |p: &str| {
        facts
            .records
            .iter()
            .find(|r| r.path == format!("{d}/{p}"))
            .unwrap_or_else(|| panic!("no record {p}: {:#?}", facts.records))
            .content
            .clone()
    };
    assert_eq!(record("location").as_deref(), Some(location.as_str()));
    assert_eq!(record("applied").as_deref(), Some("abc\n"));
    assert_eq!(record("no-such-location"), None);
    assert!(
        facts
            .processes
            .iter()
            .any(|p| p.pid_file == format!("{d}/dead.pid") && !p.alive),
        "{:#?}",
        facts.processes
    );
}
