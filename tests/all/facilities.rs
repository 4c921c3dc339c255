//! Facilities as the seed wrote them: the app-deploy mapping in a few lines
//! of Rust, Python and JavaScript, scaffolded and built by `supd facility`,
//! mapping the seed's example to byte-identical programs and converging
//! sandbox nodes through supd, the Python package and the Ansible
//! collection; a guest's exception reaching the user as a sentence; a
//! facility built against facility@1.0.0 kept as a fixture and loaded; and
//! third-party components pinned by digest and held to their grant before
//! any node is touched.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::ansible::play;
use crate::bindings::components;
use crate::cm::venv_bin;
use crate::support::*;

/// A language `supd facility` builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Rust,
    Python,
    Js,
}

const LANGS: [Lang; 3] = [Lang::Rust, Lang::Python, Lang::Js];

impl Lang {
    fn flag(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
            Lang::Js => "js",
        }
    }

    /// The author's own file, the one the 15-line promise is about.
    fn source(self) -> &'static str {
        match self {
            Lang::Rust => "src/lib.rs",
            Lang::Python => "app.py",
            Lang::Js => "app.js",
        }
    }
}

/// A built facility component.
#[derive(Debug, Clone)]
struct Built {
    path: PathBuf,
    sha256: String,
}

/// Why the toolchains of every language are not there, if they are not.
fn missing_tools() -> Option<String> {
    let componentize_py = workspace().join("target/facility-venv/bin/componentize-py");
    let componentize_js = workspace().join("target/facility-js/node_modules/.bin/componentize-js");
    if !componentize_py.exists() {
        return Some("componentize-py is not installed (run scripts/setup.sh)".into());
    }
    if !componentize_js.exists() {
        return Some("componentize-js is not installed (run scripts/setup.sh)".into());
    }
    None
}

/// `supd facility new NAME --lang L` in a fresh directory, then `edit` on
/// the author's file, then `supd facility build`.
fn scaffold_and_build(
    name: &str,
    lang: Lang,
    label: &str,
    edit: &dyn Fn(String) -> String,
) -> Built {
    let dir = scratch(&format!("facility-{label}-{}", lang.flag())).join(name);
    supd(&[
        "facility",
        "new",
        name,
        "--lang",
        lang.flag(),
        "--dir",
        dir.to_str().unwrap(),
    ])
    .expect_code(0);
    let source = dir.join(lang.source());
    let text = std::fs::read_to_string(&source).unwrap();
    std::fs::write(&source, edit(text)).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_supd"));
    command
        .args(["facility", "build", "--format", "json"])
        .arg(&dir)
        .env("XDG_CACHE_HOME", workspace().join("target/test-cache"))
        // The crates the SDK needs are the workspace's own, already in
        // cargo's cache: resolving offline keeps the build deterministic.
        .env("CARGO_NET_OFFLINE", "true")
        .env(
            "CARGO_TARGET_DIR",
            workspace().join("target/facility-build/rust"),
        )
        .env(
            "COMPONENTIZE_PY",
            workspace().join("target/facility-venv/bin/componentize-py"),
        );
    if lang == Lang::Js {
        std::os::unix::fs::symlink(
            workspace().join("target/facility-js/node_modules"),
            dir.join("node_modules"),
        )
        .unwrap();
    }
    let out = command.output().expect("supd runs");
    assert!(
        out.status.success(),
        "{lang:?} build: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let built: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(built["name"], name, "{built}");
    Built {
        path: PathBuf::from(built["path"].as_str().unwrap()),
        sha256: built["sha256"].as_str().unwrap().to_string(),
    }
}

/// The seed's app-deploy, scaffolded and built in every language (once).
fn seed_apps() -> Option<&'static [(Lang, Built)]> {
    static BUILT: OnceLock<Vec<(Lang, Built)>> = OnceLock::new();
    if let Some(reason) = missing_tools() {
        crate::testbed::skip("facilities", &reason);
        return None;
    }
    Some(BUILT.get_or_init(|| {
        LANGS
            .iter()
            .map(|&lang| {
                (
                    lang,
                    scaffold_and_build("seed-app", lang, "seed", &|text| text),
                )
            })
            .collect()
    }))
}

/// The seed's example: a service of the seed-app facility.
fn seed_spec(dir: &Path, facility: &str, command: &str, settings: &str) -> PathBuf {
    write_spec(
        dir,
        "seed.toml",
        &format!(
            "{facility}\n[groups.web.settings]\n{settings}\n\
             [groups.web.services.example-app]\nfacility = \"seed-app\"\n\
             [groups.web.services.example-app.settings]\nrun-command = \"{command}\"\nuser = \"nobody\"\n"
        ),
    )
}

/// `facilities = [...]` naming `built`, pinned, with a grant for nobody.
fn pinned(built: &Built) -> String {
    format!(
        "facilities = [{{ path = {:?}, sha256 = \"{}\", grant = {{ users = [\"nobody\"] }} }}]",
        built.path.display().to_string(),
        built.sha256
    )
}

/// The program section a spec's script writes for `example-app`.
fn program_section(spec: &Path) -> String {
    let run = supd(&["script", spec.to_str().unwrap(), "--os", "debian:12"]);
    run.expect_code(0);
    let start = run
        .stdout
        .find("[program:example-app]")
        .unwrap_or_else(|| panic!("no program section: {}", run.stdout));
    let section = &run.stdout[start..];
    section[..section.find('\'').unwrap()].to_string()
}

/// A sandbox's supervisord: from PyPI.
const PIP: &str = "install = { strategy = \"pip\", version = \"4.3.0\" }";

const SEED_PROGRAM: &str = "[program:example-app]\ncommand=sleep 1001\nautostart=true\nstartsecs=10\nautorestart=true\nuser=nobody\n";

#[test]
fn the_seeds_facility_in_rust_python_and_js_fits_in_15_lines_and_maps_to_the_same_program() {
    let Some(apps) = seed_apps() else { return };
    // Short: the script's default node lies under it, and supervisord's
    // socket path must stay under 100 bytes.
    let node = SandboxNode::new("facility-map");
    let dir = node.root.clone();
    for (lang, built) in apps {
        let source = built.path.parent().unwrap().join(lang.source());
        let lines = std::fs::read_to_string(&source).unwrap().lines().count();
        assert!(
            lines <= 15,
            "{lang:?}: {} has {lines} lines",
            source.display()
        );
        let spec = seed_spec(&dir, &pinned(built), "sleep 1001", PIP);
        assert_eq!(program_section(&spec), SEED_PROGRAM, "{lang:?}");
        let missing = write_spec(
            &dir,
            "missing.toml",
            &format!(
                "{}\n[groups.web.services.example-app]\nfacility = \"seed-app\"\n\
                 [groups.web.services.example-app.settings]\nuser = \"nobody\"\n",
                pinned(built)
            ),
        );
        let run = supd(&[
            "plan",
            missing.to_str().unwrap(),
            "--node",
            &format!("local:{}", dir.join("n").display()),
        ]);
        run.expect_code(3);
        assert!(
            run.stderr
                .contains("services.example-app.settings.run-command: run-command is required"),
            "{lang:?}: a typed error names the setting: {run:#?}"
        );
        assert!(!dir.join("n").exists(), "{lang:?}: nothing was touched");
    }
}

#[test]
fn the_readme_shows_the_file_supd_facility_new_writes_in_every_language() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    for lang in LANGS {
        let dir = scratch(&format!("facility-readme-{}", lang.flag())).join("app-deploy");
        supd(&[
            "facility",
            "new",
            "app-deploy",
            "--lang",
            lang.flag(),
            "--dir",
            dir.to_str().unwrap(),
        ])
        .expect_code(0);
        let source = std::fs::read_to_string(dir.join(lang.source())).unwrap();
        let fence = match lang {
            Lang::Rust => "```rust\n",
            Lang::Python => "```python\n",
            Lang::Js => "```js\n",
        };
        assert!(
            readme.contains(&format!("{fence}{source}```\n")),
            "README.md shows {lang:?}'s {} as `supd facility new` writes it:\n{source}",
            lang.source()
        );
    }
}

#[test]
fn a_guests_exception_reaches_the_user_with_its_message() {
    if let Some(reason) = missing_tools() {
        crate::testbed::skip(
            "a_guests_exception_reaches_the_user_with_its_message",
            &reason,
        );
        return;
    }
    // A slip an author makes: a setting read that is not there.
    let python = scaffold_and_build("slip", Lang::Python, "slip", &|text| {
        text.replace(
            "\"autostart\": True,",
            "\"autostart\": s[\"autostart-please\"],",
        )
    });
    let js = scaffold_and_build("slip", Lang::Js, "slip", &|text| {
        text.replace("autostart: true,", "autostart: s.options.autostart,")
    });
    let dir = scratch("facility-slip");
    for (built, expect) in [
        (&python, "KeyError: 'autostart-please' (at app.py:10)"),
        (&js, "TypeError: "),
    ] {
        let spec = write_spec(
            &dir,
            "slip.toml",
            &format!(
                "facilities = [{{ path = {:?}, sha256 = \"{}\" }}]\n\
                 [groups.web.services.app]\nfacility = \"slip\"\n\
                 [groups.web.services.app.settings]\nrun-command = \"sleep 1\"\nuser = \"nobody\"\n",
                built.path.display().to_string(),
                built.sha256
            ),
        );
        let run = supd(&[
            "plan",
            spec.to_str().unwrap(),
            "--node",
            &format!("local:{}", dir.join("n").display()),
        ]);
        run.expect_code(3);
        assert!(run.stderr.contains(expect), "{expect}: {run:#?}");
        assert!(!run.stderr.contains("unreachable"), "not a trap: {run:#?}");
    }
}

#[test]
fn the_seeds_facility_converges_through_supd_python_and_ansible_in_every_language() {
    let Some(apps) = seed_apps() else { return };
    let Some(bin) = venv_bin("facility_converges") else {
        return;
    };
    let settings = PIP;
    for (lang, built) in apps {
        let node = SandboxNode::new(&format!("facility-{}", lang.flag()));
        let root = node.root.display().to_string();
        let target = node.address();
        // supd: the first apply runs the program, the second changes nothing.
        let spec = seed_spec(&node.root, &pinned(built), "sleep 1001", settings);
        let apply = || {
            supd(&[
                "apply",
                spec.to_str().unwrap(),
                "--node",
                &target,
                "--format",
                "json",
            ])
        };
        assert_eq!(
            only_node(apply().expect_code(0))["status"],
            "changed",
            "{lang:?}"
        );
        assert_eq!(
            only_node(apply().expect_code(0))["changed"],
            0,
            "{lang:?}: supd converged"
        );
        let conf = node.path("etc/conf.d/example-app.conf");
        assert!(
            std::fs::read_to_string(&conf)
                .unwrap()
                .contains("command=sleep 1001")
        );

        // The Python package, given the same pinned facility: the same
        // program, so nothing changes; then a new command, which it applies.
        let facilities = serde_json::json!([{
            "path": built.path, "sha256": built.sha256, "grant": {"users": ["nobody"]},
        }]);
        std::fs::write(node.root.join("facilities.json"), facilities.to_string()).unwrap();
        std::fs::write(
            node.root.join("settings.json"),
            r#"{"install": {"strategy": "pip", "version": "4.3.0"}}"#,
        )
        .unwrap();
        let python = |command: &str| -> serde_json::Value {
            let services = serde_json::json!({"example-app": {"facility": "seed-app", "settings": {
                "run-command": command, "user": "nobody"}}});
            std::fs::write(node.root.join("services.json"), services.to_string()).unwrap();
            let out = Command::new(workspace().join("target/py-venv/bin/python"))
                .arg(workspace().join("tests/lifecycle/converge.py"))
                .arg(node.root.join("settings.json"))
                .arg(node.root.join("services.json"))
                .arg(&node.root)
                .arg("default")
                .arg(node.root.join("facilities.json"))
                .env("PYTHONPATH", workspace().join("python/src"))
                .env("SUPERVISION_COMPONENTS_DIR", components())
                .env("XDG_CACHE_HOME", workspace().join("target/test-cache"))
                .output()
                .expect("python runs");
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
                panic!(
                    "{lang:?}: no report ({e}): {}",
                    String::from_utf8_lossy(&out.stderr)
                )
            })
        };
        assert_eq!(
            python("sleep 1001")["outcome"],
            "ok",
            "{lang:?}: the same program from Python"
        );
        assert_eq!(python("sleep 1002")["outcome"], "changed", "{lang:?}");
        assert!(
            std::fs::read_to_string(&conf)
                .unwrap()
                .contains("command=sleep 1002")
        );

        // The Ansible collection, the facility pinned in `facilities`.
        let inventory = format!(
            "localhost ansible_connection=local ansible_python_interpreter={}\n",
            bin.join("python").display()
        );
        let playbook = format!(
            "- hosts: localhost\n  gather_facts: false\n  tasks:\n  - name: app\n    supervisord_crate.supervision.supervisord:\n      settings: {{install: {{strategy: pip, version: 4.3.0}}}}\n      services: {{example-app: {{facility: seed-app, settings: {{run-command: sleep 1003, user: nobody}}}}}}\n      facilities: [{{path: '{}', sha256: '{}', grant: {{users: [nobody]}}}}]\n      root: {root}\n",
            built.path.display(),
            built.sha256
        );
        let label = format!("facility-{}", lang.flag());
        let first = play(&label, &bin, &inventory, &playbook, &[]);
        assert_eq!(
            first.code, 0,
            "{lang:?}: {:#}\n{}",
            first.json, first.stderr
        );
        assert_eq!(
            first.stats("localhost")["changed"],
            1,
            "{lang:?}: {:#}",
            first.json
        );
        let second = play(&label, &bin, &inventory, &playbook, &[]);
        assert_eq!(
            second.stats("localhost")["changed"],
            0,
            "{lang:?}: {:#}",
            second.json
        );
        assert!(
            std::fs::read_to_string(&conf)
                .unwrap()
                .contains("command=sleep 1003")
        );

        // Ansible refuses a component that is not the one it pins.
        let wrong = playbook.replace(&built.sha256, &"0".repeat(64));
        let refused = play(&label, &bin, &inventory, &wrong, &[]);
        assert_ne!(refused.code, 0, "{lang:?}");
        let message = refused.result("app", "localhost")["msg"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            message.contains("but it is pinned to 0000"),
            "{lang:?}: {message}"
        );
        assert!(
            std::fs::read_to_string(&conf)
                .unwrap()
                .contains("command=sleep 1003")
        );
    }
}

#[test]
fn a_facility_built_against_facility_1_0_0_still_loads_and_maps() {
    let fixture = workspace().join("tests/fixtures/facility-1.0.0/seed-app.wasm");
    let digest = "78a1887071b4db64eb4a3fd49abab2e82ad9a2f73b7d74e63fe3a7be5f2b4e0b";
    let node = SandboxNode::new("facility-fixture");
    let dir = node.root.clone();
    let spec = seed_spec(
        &dir,
        &format!(
            "facilities = [{{ path = {:?}, sha256 = \"{digest}\", grant = {{ users = [\"nobody\"] }} }}]",
            fixture.display().to_string()
        ),
        "sleep 1001",
        PIP,
    );
    assert_eq!(program_section(&spec), SEED_PROGRAM);
    let run = supd(&[
        "providers",
        "--format",
        "json",
        "--facility",
        &format!("{}@sha256:{digest}", fixture.display()),
    ]);
    run.expect_code(0);
    assert_eq!(run.json()["facilities"][0]["name"], "seed-app");
}

/// A third-party copy of the bundled app-deploy facility.
fn third_party() -> (String, String) {
    let path = components().join("app-deploy.wasm");
    let bytes = std::fs::read(&path).unwrap();
    use sha2::Digest;
    (
        path.display().to_string(),
        hex::encode(sha2::Sha256::digest(bytes)),
    )
}

/// An app-deploy spec loading `facilities` (TOML) with `settings` (TOML
/// lines of the service's settings).
fn app_spec(dir: &Path, facilities: &str, settings: &str) -> PathBuf {
    write_spec(
        dir,
        "app.toml",
        &format!(
            "{facilities}\n[groups.web.services.app]\nfacility = \"app-deploy\"\n\
             [groups.web.services.app.settings]\nrun-command = \"/srv/app/run\"\n{settings}\n"
        ),
    )
}

#[test]
fn a_third_party_component_loads_only_pinned_or_accepted_by_name() {
    let (path, digest) = third_party();
    let dir = scratch("facility-pins");
    let node = dir.join("node");
    let target = format!("local:{}", node.display());
    let plan = |facilities: &str| {
        let spec = app_spec(&dir, facilities, "user = \"app\"");
        supd(&["plan", spec.to_str().unwrap(), "--node", &target])
    };
    let wrong = "ab".repeat(32);
    for (facilities, code, expect) in [
        (
            format!("facilities = [{{ path = {path:?}, sha256 = \"{wrong}\" }}]"),
            3,
            format!(
                "app.toml:1:15: facilities.0: facility {path} has sha256 {digest}, but it is pinned to {wrong}"
            ),
        ),
        (
            format!("facilities = [{path:?}]"),
            3,
            format!(
                "facilities.0: facility app-deploy ({path}) is not pinned: give its sha256 (`sha256 = \"{digest}\"`)"
            ),
        ),
        (
            format!("accept-unpinned = [\"other\"]\nfacilities = [{path:?}]"),
            3,
            "is not pinned".to_string(),
        ),
        (
            format!("accept-unpinned = [\"app-deploy\"]\nfacilities = [{path:?}]"),
            0,
            String::new(),
        ),
        (
            format!(
                "facilities = [{{ path = {path:?}, sha256 = \"{}\" }}]",
                digest.to_uppercase()
            ),
            0,
            String::new(),
        ),
        (
            "facilities = [{ path = \"x.wasm\", sha256 = \"12\" }]".to_string(),
            3,
            "facilities.0: sha256: \"12\" is not a SHA-256 (64 hex digits)".to_string(),
        ),
    ] {
        let run = plan(&facilities);
        assert_eq!(run.code, code, "{facilities}: {run:#?}");
        assert!(
            run.stderr.contains(&expect),
            "{facilities}: {expect:?} in {run:#?}"
        );
        if code == 0 {
            let _ = std::fs::remove_dir_all(&node);
        } else {
            assert!(!node.exists(), "{facilities}: nothing was touched");
        }
    }
    // The command line pins the same way, and providers (pinned alike) are
    // listed with their digest, origin and grant.
    let run = supd(&["providers", "--format", "json", "--facility", &path]);
    run.expect_code(3);
    assert!(
        run.stderr.contains("--facility: facility app-deploy"),
        "{run:#?}"
    );
    let run = supd(&[
        "providers",
        "--format",
        "json",
        "--facility",
        &format!("{path}@sha256:{digest}"),
    ]);
    run.expect_code(0);
    let listed = run.json();
    assert_eq!(listed["facilities"][0]["origin"], path.as_str());
    assert_eq!(listed["facilities"][0]["sha256"], digest.as_str());
    assert_eq!(
        listed["facilities"][0]["grant"],
        serde_json::json!({"users": [], "paths": [], "environment": []})
    );
    assert_eq!(listed["facilities"][1]["origin"], "bundled");
    assert_eq!(listed["facilities"][1]["grant"], serde_json::Value::Null);
    assert_eq!(listed["providers"][0]["origin"], "bundled");
    assert_eq!(
        listed["providers"][0]["sha256"].as_str().map(str::len),
        Some(64)
    );
    assert_eq!(
        listed["node-script"]["sha256"].as_str().map(str::len),
        Some(64)
    );
    let human = supd(&[
        "providers",
        "--facility",
        &format!("{path}@sha256:{digest}"),
    ]);
    assert!(human.stdout.contains(&format!("facility app-deploy, {path}\n  sha256:             {digest}\n  grant:              users: any but root; paths: anywhere; environment: none of the loader's variables")), "{human:#?}");
    // A spec's components are listed with the grant the spec gives them.
    let spec = write_spec(
        &scratch("facility-providers"),
        "listed.toml",
        &format!(
            "facilities = [{{ path = {path:?}, sha256 = \"{digest}\", grant = {{ users = [\"app\"], paths = [\"/srv/app\"] }} }}]\n[groups.web]\n"
        ),
    );
    let run = supd(&["providers", spec.to_str().unwrap(), "--format", "json"]);
    run.expect_code(0);
    assert_eq!(
        run.json()["facilities"][0]["grant"],
        serde_json::json!({"users": ["app"], "paths": ["/srv/app"], "environment": []})
    );
    let hostile = crate::containment::hostile().display().to_string();
    let run = supd(&["providers", "--provider", &hostile]);
    run.expect_code(3);
    assert!(
        run.stderr.contains("provider hostile") && run.stderr.contains("is not pinned"),
        "{run:#?}"
    );
}

#[test]
fn a_program_outside_its_facilitys_grant_is_refused_before_any_node() {
    let (path, digest) = third_party();
    let dir = scratch("facility-grants");
    let node = dir.join("node");
    let target = format!("local:{}", node.display());
    let facility = |grant: &str| {
        format!(
            "facilities = [{{ path = {path:?}, sha256 = \"{digest}\", grant = {{ {grant} }} }}]"
        )
    };
    // Paths a plan accepts lie under the local node's root.
    let srv = node.join("srv").display().to_string();
    let srv_grant = format!("paths = [{srv:?}]");
    let srv_app =
        format!("user = \"app\"\nartifact-root = \"{srv}/app\"\nartifacts = [\"app.jar\"]");
    let outside = format!(
        "its program puts watch at /opt/app.jar, which its grant (paths: {srv}) does not allow"
    );
    for (grant, settings, expect) in [
        (
            "users = [\"web\"]",
            "user = \"app\"",
            Some(
                "services.app.facility: facility app-deploy: its program runs as app (user), which its grant (users: web) does not allow",
            ),
        ),
        (
            "",
            "",
            Some(
                "its program names no user, so it runs as supervisord's own (root), which its grant (users: any but root) does not allow",
            ),
        ),
        ("users = [\"root\"]", "", None),
        (
            "users = [\"app\"]",
            "user = \"root\"",
            Some("runs as root (user), which its grant (users: app)"),
        ),
        (
            srv_grant.as_str(),
            "user = \"app\"\nartifacts = [\"app.jar\"]",
            Some(outside.as_str()),
        ),
        (srv_grant.as_str(), srv_app.as_str(), None),
        (
            "paths = [\"srv\"]",
            "user = \"app\"",
            Some("facilities.0: grant.paths.0: \"srv\" is not an absolute path"),
        ),
        ("colour = 1", "", Some("unknown field `colour`")),
    ] {
        let spec = app_spec(&dir, &facility(grant), settings);
        let run = supd(&["plan", spec.to_str().unwrap(), "--node", &target]);
        match expect {
            Some(expect) => {
                run.expect_code(3);
                assert!(
                    run.stderr.contains(expect),
                    "{grant} / {settings}: {expect:?} in {run:#?}"
                );
                assert!(!node.exists(), "{grant}: nothing was touched");
            }
            None => {
                run.expect_code(0);
                let _ = std::fs::remove_dir_all(&node);
            }
        }
    }
}
