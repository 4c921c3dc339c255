//! A resource in a few words, for people.

use crate::bindings::{Desired, StartMethod};

/// What `desired` is: `file /etc/supervisor/conf.d/web.conf`.
pub fn describe(desired: &Desired) -> String {
    match desired {
        Desired::Packages(p) => format!("packages {}", p.names.join(" ")),
        Desired::Pip(p) => format!(
            "pip {}{} in {}",
            p.name,
            p.version
                .as_deref()
                .map(|v| format!("=={v}"))
                .unwrap_or_default(),
            p.venv
        ),
        Desired::User(u) => format!("user {}", u.name),
        Desired::Directory(d) => format!("directory {}", d.path),
        Desired::File(f) => format!("file {}", f.path),
        Desired::Absent(a) => format!("absent {}", a.path),
        Desired::CommitConfig(ctl) => format!("staged configuration ({})", ctl.config),
        Desired::Daemon(d) => {
            let how = match &d.start {
                StartMethod::Systemd(unit) => format!("systemd {unit}"),
                StartMethod::InitScript(script) => script.clone(),
                StartMethod::Openrc(service) => format!("openrc {service}"),
                StartMethod::Command(argv) => argv.first().cloned().unwrap_or_default(),
            };
            // What happened (started, reloaded, left running) is the
            // step's message: the plan cannot know it.
            let _ = d.ensure;
            format!("supervisord ({how})")
        }
        Desired::Supervisorctl(c) => {
            let action = crate::words::ctl_action(&c.action);
            format!("supervisorctl {action} {}", c.targets.join(" "))
                .trim_end()
                .to_string()
        }
        Desired::AwaitRunning(a) => format!("running: {}", a.groups.join(" ")),
        Desired::Command(c) => format!("command {}", c.argv.join(" ")),
    }
}
