//! The lifecycle walk, on the model of Terraform's acceptance tests: after
//! every apply, the next plan is empty. A model of the wanted state
//! (programs with their command, environment, numprocs and group, and a
//! setting of supervisord itself) walks from a fixed seed through
//! transitions (add, remove, rename, change a command or the environment,
//! move into or out of a group, change numprocs, change a setting that
//! rewrites supervisord.conf, several at once), each applied by `supd` to a
//! real supervisord from PyPI on a sandbox node. After each:
//! - every wanted process runs exactly once, and nothing unwanted runs;
//! - the program files are exactly the wanted set, each of the walk's scope;
//! - supervisor's own parser reads exactly the wanted programs;
//! - the next apply changes nothing and runs no apply script.
//!
//! Crash points: for chosen transitions, the apply is killed (SIGKILL of
//! its whole process group, the node's shell included) when step K starts,
//! for every K of the transition's plan; the next apply converges, with no
//! process running twice, and the one after it is empty.
//!
//! CI runs the fixed seeds below (`SUPD_LIFECYCLE_SEEDS=a,b` replays
//! others; `bash scripts/explore-lifecycle.sh` draws new ones outside CI).
//! A seed that fails belongs in `SEEDS` once fixed.

mod hosts;
mod model;
mod node;

use model::{Model, Rng, Transition};
use node::{WalkNode, apply, assert_converged, killed_apply, plan_steps};

/// The fixed walks CI runs: (seed, transitions, transitions whose every
/// step is a crash point).
const SEEDS: &[(u64, usize, &[usize])] = &[(1, 10, &[3]), (2, 10, &[]), (3, 10, &[1, 6])];

/// The walks to run: the fixed ones, or `SUPD_LIFECYCLE_SEEDS` (each with
/// 10 transitions and crash points at the fourth).
fn walks() -> Vec<(u64, usize, Vec<usize>)> {
    match std::env::var("SUPD_LIFECYCLE_SEEDS") {
        Ok(seeds) => seeds
            .split(',')
            .map(|s| {
                let seed = s.trim().parse().unwrap_or_else(|_| {
                    panic!("SUPD_LIFECYCLE_SEEDS: {s:?} is not a whole number")
                });
                (seed, 10, vec![3])
            })
            .collect(),
        Err(_) => SEEDS
            .iter()
            .map(|(seed, n, crash)| (*seed, *n, crash.to_vec()))
            .collect(),
    }
}

/// One walk: `transitions` steps from `seed`, with every step of the
/// transitions in `crash` a crash point.
fn walk(seed: u64, transitions: usize, crash: &[usize]) {
    eprintln!("lifecycle: seed {seed} (SUPD_LIFECYCLE_SEEDS={seed} replays it)");
    let node = WalkNode::new(&format!("lifecycle-{seed}"));
    let mut rng = Rng::new(seed);
    let mut model = Model::start();
    let spec = node.spec(&model);
    apply(&spec, &format!("seed {seed}, first converge"));
    node.assert_is(&model, &format!("seed {seed}, first converge"));
    assert_converged(&spec, &format!("seed {seed}, first converge"));
    for index in 0..transitions {
        let transition = model.draw(&mut rng);
        let next = model.apply(&transition, &mut rng);
        let context = format!("seed {seed}, transition {index} ({transition:?})");
        eprintln!("lifecycle: {context}");
        if crash.contains(&index) {
            crash_points(&node, &model, &next, &context);
        }
        let spec = node.spec(&next);
        apply(&spec, &context);
        node.assert_is(&next, &context);
        assert_converged(&spec, &context);
        model = next;
    }
}

/// Every step of the plan from `before` to `after` as a crash point: the
/// node is put back to `before`, the apply to `after` is killed when that
/// step starts, and the next apply converges.
fn crash_points(node: &WalkNode, before: &Model, after: &Model, context: &str) {
    let steps = plan_steps(&node.spec(after));
    assert!(steps > 0, "{context}: the transition has steps");
    eprintln!("lifecycle: {context}: a crash at each of its {steps} steps");
    for step in 0..steps {
        let context = format!("{context}, killed at step {step} of {steps}");
        let spec = node.spec(before);
        apply(&spec, &format!("{context}: back to before"));
        node.assert_is(before, &format!("{context}: back to before"));
        let spec = node.spec(after);
        killed_apply(&spec, step, &context);
        apply(&spec, &format!("{context}: the next apply"));
        node.assert_is(after, &format!("{context}: the next apply"));
        assert_converged(&spec, &format!("{context}: the next apply"));
    }
}

/// Runs fixed walk `index`; with `SUPD_LIFECYCLE_SEEDS` set, the first
/// test runs those walks instead and the others say so.
fn fixed_walk(index: usize) {
    if std::env::var("SUPD_LIFECYCLE_SEEDS").is_ok() {
        if index == 0 {
            for (seed, transitions, crash) in walks() {
                walk(seed, transitions, &crash);
            }
        } else {
            eprintln!("SUPD_LIFECYCLE_SEEDS is set: lifecycle_walk_1 walks those seeds");
        }
        return;
    }
    let (seed, transitions, crash) = SEEDS[index];
    walk(seed, transitions, crash);
}

#[test]
fn lifecycle_walk_1() {
    fixed_walk(0);
}

#[test]
fn lifecycle_walk_2() {
    fixed_walk(1);
}

#[test]
fn lifecycle_walk_3() {
    fixed_walk(2);
}

#[test]
fn every_kind_of_transition_is_walked() {
    // The fixed seeds draw each kind of transition at least once (else a
    // kind would go untested without anyone noticing).
    let mut seen = std::collections::BTreeSet::new();
    for (seed, transitions, _) in SEEDS {
        let mut rng = Rng::new(*seed);
        let mut model = Model::start();
        for _ in 0..*transitions {
            let transition = model.draw(&mut rng);
            kinds(&transition, &mut seen);
            model = model.apply(&transition, &mut rng);
        }
    }
    let all = [
        "Add",
        "Remove",
        "Rename",
        "Command",
        "Environment",
        "Group",
        "Numprocs",
        "Setting",
        "Several",
    ];
    let missing: Vec<&str> = all.iter().copied().filter(|k| !seen.contains(*k)).collect();
    assert!(missing.is_empty(), "no fixed seed walks {missing:?}");
}

fn kinds(transition: &Transition, seen: &mut std::collections::BTreeSet<&'static str>) {
    let kind = match transition {
        Transition::Add => "Add",
        Transition::Remove(_) => "Remove",
        Transition::Rename(_) => "Rename",
        Transition::Command(_) => "Command",
        Transition::Environment(_) => "Environment",
        Transition::Group(_) => "Group",
        Transition::Numprocs(_) => "Numprocs",
        Transition::Setting => "Setting",
        Transition::Several(each) => {
            for t in each {
                kinds(t, seen);
            }
            "Several"
        }
    };
    seen.insert(kind);
}
