//! The words supervisorctl and people use for plan values: one table, so
//! the step scripts and the reports cannot drift apart.

use crate::bindings::{CtlAction, Signal};

/// The name supervisorctl takes for a signal.
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

/// The supervisorctl words for an action (`signal HUP` for a signal).
pub fn ctl_action(action: &CtlAction) -> String {
    match action {
        CtlAction::Reread => "reread".into(),
        CtlAction::Update => "update".into(),
        CtlAction::Start => "start".into(),
        CtlAction::Stop => "stop".into(),
        CtlAction::Restart => "restart".into(),
        CtlAction::Status => "status".into(),
        CtlAction::Add => "add".into(),
        CtlAction::Remove => "remove".into(),
        CtlAction::Signal(signal) => format!("signal {}", signal_name(*signal)),
    }
}
