//! One file per process group: `[group:x]` (when the programs share a
//! group) and the `[program:x]`, `[eventlistener:x]` or `[fcgi-program:x]`
//! sections of its members.

use super::ini::{IniWriter, boolean, environment, escape_percent};
use crate::bindings::{Autorestart, LogTarget, Program, ProgramKind, Signal, StreamLog};
use crate::settings::GroupOptions;
use crate::values::{ByteSize, Octal};

/// A process group to render.
#[derive(Debug)]
pub struct ProcessGroup<'a> {
    /// The group name, which is also the file's stem.
    pub name: &'a str,
    /// Whether it is an explicit `[group:x]` (else one ungrouped program).
    pub explicit: bool,
    /// Its members, sorted by name.
    pub members: Vec<&'a Program>,
    /// Options from `settings.groups`.
    pub options: Option<&'a GroupOptions>,
    /// The scope of the declaration that writes it, named in its marker.
    pub scope: &'a str,
}

/// Renders the file of one process group.
pub fn group_file(group: &ProcessGroup<'_>) -> String {
    let mut w = IniWriter::new(&crate::scope::marker(group.scope));
    if group.explicit {
        let names: Vec<&str> = group.members.iter().map(|p| p.name.as_str()).collect();
        w.section(&format!("group:{}", group.name))
            .raw("programs", &names.join(","));
        w.opt("priority", group.options.and_then(|o| o.priority));
    }
    for program in &group.members {
        program_section(&mut w, program);
    }
    w.finish()
}

fn program_section(w: &mut IniWriter, p: &Program) {
    let kind = match &p.kind {
        ProgramKind::Process => "program",
        ProgramKind::EventListener(_) => "eventlistener",
        ProgramKind::FcgiProgram(_) => "fcgi-program",
    };
    w.section(&format!("{kind}:{}", p.name));
    w.literal("command", &p.command);
    // process_name is the one template: validated, written as given.
    w.opt("process_name", p.process_name.as_deref())
        .opt("numprocs", p.numprocs)
        .opt("numprocs_start", p.numprocs_start)
        .opt("priority", p.priority)
        .opt("autostart", p.autostart.map(boolean))
        .opt("startsecs", p.startsecs)
        .opt("startretries", p.startretries)
        .opt("autorestart", p.autorestart.map(autorestart));
    if !p.exitcodes.is_empty() {
        let codes: Vec<String> = p.exitcodes.iter().map(u8::to_string).collect();
        w.raw("exitcodes", &codes.join(","));
    }
    w.opt("stopsignal", p.stopsignal.map(signal_name))
        .opt("stopwaitsecs", p.stopwaitsecs)
        .opt("stopasgroup", p.stopasgroup.map(boolean))
        .opt("killasgroup", p.killasgroup.map(boolean))
        .opt_literal("user", p.user.as_deref())
        .opt("redirect_stderr", p.redirect_stderr.map(boolean));
    stream(w, "stdout", &p.stdout);
    stream(w, "stderr", &p.stderr);
    if !p.environment.is_empty() {
        w.raw(
            "environment",
            &environment(
                p.environment
                    .iter()
                    .map(|v| (v.name.as_str(), v.value.as_str())),
            ),
        );
    }
    w.opt_literal("directory", p.directory.as_deref())
        .opt("umask", p.umask.map(Octal))
        .opt_literal("serverurl", p.serverurl.as_deref());
    match &p.kind {
        ProgramKind::Process => {}
        ProgramKind::EventListener(listener) => {
            w.opt("buffer_size", listener.buffer_size)
                .raw("events", &listener.events.join(","))
                .opt_literal("result_handler", listener.result_handler.as_deref());
        }
        ProgramKind::FcgiProgram(fcgi) => {
            w.literal("socket", &fcgi.socket)
                .opt("socket_backlog", fcgi.socket_backlog)
                .opt_literal("socket_owner", fcgi.socket_owner.as_deref())
                .opt("socket_mode", fcgi.socket_mode.map(Octal));
        }
    }
}

fn stream(w: &mut IniWriter, name: &str, s: &StreamLog) {
    match &s.logfile {
        Some(LogTarget::Auto) => {
            w.raw(&format!("{name}_logfile"), "AUTO");
        }
        Some(LogTarget::None) => {
            w.raw(&format!("{name}_logfile"), "NONE");
        }
        Some(LogTarget::Path(path)) => {
            // supervisord expands `%` in log file names twice (once when it
            // reads the key, once more per process), so they are escaped
            // twice.
            w.raw(
                &format!("{name}_logfile"),
                &escape_percent(&escape_percent(path)),
            );
        }
        None => {}
    }
    w.opt(
        &format!("{name}_logfile_maxbytes"),
        s.logfile_maxbytes.map(ByteSize),
    )
    .opt(&format!("{name}_logfile_backups"), s.logfile_backups)
    .opt(
        &format!("{name}_capture_maxbytes"),
        s.capture_maxbytes.map(ByteSize),
    )
    .opt(
        &format!("{name}_events_enabled"),
        s.events_enabled.map(boolean),
    )
    .opt(&format!("{name}_syslog"), s.syslog.map(boolean));
}

fn autorestart(value: Autorestart) -> &'static str {
    match value {
        Autorestart::Never => "false",
        Autorestart::Unexpected => "unexpected",
        Autorestart::Always => "true",
    }
}

/// The name supervisord reads for a signal.
pub fn signal_name(signal: Signal) -> &'static str {
    match signal {
        Signal::Term => "TERM",
        Signal::Hup => "HUP",
        Signal::Int => "INT",
        Signal::Quit => "QUIT",
        Signal::Kill => "KILL",
        Signal::Usr1 => "USR1",
        Signal::Usr2 => "USR2",
        Signal::Cont => "CONT",
        Signal::Stop => "STOP",
        Signal::Winch => "WINCH",
    }
}
