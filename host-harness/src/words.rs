//! The words supervisorctl and people use for plan values: one table each,
//! so the CLI, the step scripts and the reports cannot drift apart.

use crate::runtime::bindings::{CtlAction, Signal};

/// Every signal a plan can carry, with the name supervisorctl takes.
const SIGNALS: [(Signal, &str); 10] = [
    (Signal::Term, "TERM"),
    (Signal::Hup, "HUP"),
    (Signal::Int, "INT"),
    (Signal::Quit, "QUIT"),
    (Signal::Kill, "KILL"),
    (Signal::Usr1, "USR1"),
    (Signal::Usr2, "USR2"),
    (Signal::Cont, "CONT"),
    (Signal::Stop, "STOP"),
    (Signal::Winch, "WINCH"),
];

/// The name supervisorctl takes for a signal.
pub fn signal_name(signal: Signal) -> &'static str {
    SIGNALS
        .iter()
        .find(|(s, _)| *s == signal)
        .map(|(_, name)| *name)
        .expect("every signal is in the table")
}

/// A signal from its name, any case, with or without `SIG`; the error
/// lists the names there are.
pub fn parse_signal(text: &str) -> Result<Signal, String> {
    let upper = text.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    SIGNALS
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(signal, _)| *signal)
        .ok_or_else(|| {
            let names: Vec<&str> = SIGNALS.iter().map(|(_, n)| *n).collect();
            format!(
                "{text:?} is not a signal supervisord sends: use {}",
                names.join(", ")
            )
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signal_name_parses_back_to_its_signal() {
        for (signal, name) in SIGNALS {
            assert_eq!(parse_signal(name), Ok(signal));
            assert_eq!(
                parse_signal(&format!("sig{}", name.to_lowercase())),
                Ok(signal)
            );
            assert_eq!(signal_name(signal), name);
        }
        let error = parse_signal("SIGFOO").unwrap_err();
        assert!(
            error.contains("\"SIGFOO\"") && error.contains("WINCH"),
            "{error}"
        );
    }
}
