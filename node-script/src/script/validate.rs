//! What a plan must satisfy before any of it becomes a script: providers
//! are untrusted, so a plan that points forward, carries a NUL byte, asks
//! for a mode that is no permission or exceeds the host's bounds is refused
//! naming the step.

use crate::bindings::{
    Condition, Desired, Error, ErrorKind, Guard, Plan, ScriptOptions, StartMethod,
};

fn refuse(field: String, message: String) -> Error {
    Error {
        field,
        kind: ErrorKind::InvalidValue,
        message,
    }
}

/// The most steps a plan may have when the host names no bound.
pub const DEFAULT_MAX_STEPS: u32 = 10_000;

/// The most bytes a plan may carry when the host names no bound.
pub const DEFAULT_MAX_BYTES: u64 = 16 << 20;

/// How long a script waits for another apply when the host names no wait.
pub const DEFAULT_LOCK_WAIT_SECS: u32 = 60;

/// Checks `plan` against the script's rules and the options' bounds.
pub fn validate(plan: &Plan, options: &ScriptOptions) -> Result<(), Error> {
    let max_steps = options.max_steps.unwrap_or(DEFAULT_MAX_STEPS);
    let max_bytes = options.max_bytes.unwrap_or(DEFAULT_MAX_BYTES);
    if plan.steps.len() > max_steps as usize {
        return Err(refuse(
            "plan.steps".into(),
            format!(
                "{} steps is over the limit of {max_steps}",
                plan.steps.len(),
            ),
        ));
    }
    let mut bytes: u64 = 0;
    for (index, step) in plan.steps.iter().enumerate() {
        let field = format!("plan.steps[{index}]");
        if let Condition::Changed(targets) = &step.when
            && let Some(target) = targets.iter().find(|t| **t as usize >= index)
        {
            return Err(refuse(
                format!("{field}.when"),
                format!("step {index} waits for step {target}, which does not come before it"),
            ));
        }
        let mut texts = strings(&step.desired);
        texts.push(&step.reason);
        if texts.iter().any(|t| t.contains('\0')) {
            return Err(refuse(
                field,
                format!("step {index} holds a NUL byte, which no file or argument can carry"),
            ));
        }
        bytes += texts.iter().map(|t| t.len() as u64).sum::<u64>();
        if let Desired::AwaitRunning(a) = &step.desired
            && let Some(odd) = a.lone.iter().find(|name| {
                !a.groups.contains(name)
                    || name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
            })
        {
            return Err(refuse(
                format!("{field}.desired.lone"),
                format!(
                    "step {index} calls {odd:?} a lone program, but it is not one of the step's groups or not a plain name (letters, digits, _ . -)"
                ),
            ));
        }
        operands(&step.desired).map_err(|(at, why)| {
            refuse(
                format!("{field}.desired.{at}"),
                format!("step {index}: {why}"),
            )
        })?;
        let mode = match &step.desired {
            Desired::File(f) => Some(f.mode),
            Desired::Directory(d) => Some(d.mode),
            _ => None,
        };
        if let Some(mode) = mode
            && mode > 0o7777
        {
            return Err(refuse(
                format!("{field}.desired.mode"),
                format!("step {index} asks for mode {mode:o}, which is not a file mode"),
            ));
        }
    }
    // A staged file waits for a commit-config step; without one it would
    // never reach its path.
    let mut waiting: Option<usize> = None;
    for (index, step) in plan.steps.iter().enumerate() {
        match &step.desired {
            Desired::File(f) if f.staged => {
                waiting.get_or_insert(index);
            }
            Desired::Absent(a) if a.staged => {
                waiting.get_or_insert(index);
            }
            Desired::CommitConfig(_) => waiting = None,
            _ => {}
        }
    }
    if let Some(index) = waiting {
        return Err(refuse(
            format!("plan.steps[{index}].desired.staged"),
            format!("step {index} is staged, but no commit-config step follows it"),
        ));
    }
    if bytes > max_bytes {
        return Err(refuse(
            "plan.steps".into(),
            format!("{bytes} bytes of plan is over the limit of {max_bytes}"),
        ));
    }
    Ok(())
}

/// A package name as every manager spells them: it cannot be read as an
/// option, nor split into several words.
fn package_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+._-".contains(c))
}

/// An account name chown and useradd take as one operand.
fn account(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-$".contains(c))
}

/// The operands that go to commands as they are: none may be read as an
/// option, a variable assignment, or more than one word; locks lie in a
/// directory of their own. Returns the field and why.
fn operands(desired: &Desired) -> Result<(), (&'static str, String)> {
    let program = |argv: &[String], at: &'static str| match argv.first() {
        None => Err((at, "has no program".to_string())),
        Some(p) if p.is_empty() || p.starts_with('-') || p.contains('=') => Err((
            at,
            format!("{p:?} is not a program name or path (no leading '-', no '=')"),
        )),
        Some(_) => Ok(()),
    };
    let lock = |lock: &str| {
        let parent = lock.rsplit_once('/').map_or("", |(dir, _)| dir);
        if lock.starts_with('/') && parent.len() > 1 && !lock.ends_with('/') {
            Ok(())
        } else {
            Err((
                "ctl.lock",
                format!("{lock:?} is not an absolute file path in a directory of its own"),
            ))
        }
    };
    let owners = |owner: &Option<String>, group: &Option<String>| {
        for name in owner.iter().chain(group) {
            if !account(name) {
                return Err(("owner", format!("{name:?} is not an account name")));
            }
        }
        Ok(())
    };
    match desired {
        Desired::Packages(p) => match p.names.iter().find(|n| !package_name(n)) {
            Some(bad) => Err(("names", format!("{bad:?} is not a package name"))),
            None => Ok(()),
        },
        Desired::Pip(p) => {
            if !package_name(&p.name) {
                return Err(("name", format!("{:?} is not a distribution name", p.name)));
            }
            if p.python.is_empty() || p.python.starts_with('-') {
                return Err(("python", format!("{:?} is not an interpreter", p.python)));
            }
            if !p.venv.starts_with('/') {
                return Err(("venv", format!("{:?} is not an absolute path", p.venv)));
            }
            owners(&p.owner, &None)
        }
        Desired::User(u) if !account(&u.name) => {
            Err(("name", format!("{:?} is not an account name", u.name)))
        }
        Desired::Directory(d) => owners(&d.owner, &d.group),
        Desired::File(f) => owners(&f.owner, &f.group),
        Desired::CommitConfig(ctl) => lock(&ctl.lock),
        Desired::Daemon(d) => lock(&d.ctl.lock),
        Desired::Supervisorctl(c) => lock(&c.ctl.lock),
        Desired::AwaitRunning(a) => lock(&a.ctl.lock),
        Desired::Command(c) => {
            program(&c.argv, "argv")?;
            match &c.guard {
                Guard::Unless(argv) => program(argv, "guard"),
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// Every text a step carries into the script.
fn strings(desired: &Desired) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    match desired {
        Desired::Packages(p) => out.extend(p.names.iter().map(String::as_str)),
        Desired::Pip(p) => {
            out.extend([p.python.as_str(), &p.venv, &p.name]);
            out.extend(p.version.as_deref());
            out.extend(p.owner.as_deref());
        }
        Desired::User(u) => out.extend([u.name.as_str(), &u.home, &u.shell]),
        Desired::Directory(d) => {
            out.push(&d.path);
            out.extend(d.owner.as_deref());
            out.extend(d.group.as_deref());
        }
        Desired::File(f) => {
            out.extend([f.path.as_str(), &f.content]);
            out.extend(f.owner.as_deref());
            out.extend(f.group.as_deref());
            out.extend(f.redact_keys.iter().map(String::as_str));
        }
        Desired::Absent(a) => out.push(&a.path),
        Desired::CommitConfig(ctl) => {
            out.extend([ctl.binary.as_str(), &ctl.config, &ctl.socket, &ctl.lock])
        }
        Desired::Daemon(d) => {
            out.extend([d.pid_file.as_str(), &d.socket]);
            out.extend([
                d.ctl.binary.as_str(),
                &d.ctl.config,
                &d.ctl.socket,
                &d.ctl.lock,
            ]);
            match &d.start {
                StartMethod::Systemd(s) | StartMethod::InitScript(s) | StartMethod::Openrc(s) => {
                    out.push(s)
                }
                StartMethod::Command(argv) => out.extend(argv.iter().map(String::as_str)),
            }
        }
        Desired::Supervisorctl(c) => {
            out.extend([
                c.ctl.binary.as_str(),
                &c.ctl.config,
                &c.ctl.socket,
                &c.ctl.lock,
            ]);
            out.extend(c.targets.iter().map(String::as_str));
        }
        Desired::AwaitRunning(a) => {
            out.extend([
                a.ctl.binary.as_str(),
                &a.ctl.config,
                &a.ctl.socket,
                &a.ctl.lock,
            ]);
            out.extend(a.groups.iter().map(String::as_str));
            out.extend(a.lone.iter().map(String::as_str));
        }
        Desired::Command(c) => {
            out.extend(c.argv.iter().map(String::as_str));
            match &c.guard {
                Guard::None => {}
                Guard::Unless(argv) => out.extend(argv.iter().map(String::as_str)),
                Guard::Creates(path) => out.push(path),
            }
        }
    }
    out
}
