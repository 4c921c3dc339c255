//! supervisor's refusal of a candidate configuration, placed: which
//! program and which setting, from its "in section 'program:x'" message
//! and the staged file that holds that section.

use crate::bindings::{Desired, Plan};

/// `message` prefixed with the program and the setting it is about, when
/// they can be told.
pub fn locate(plan: &Plan, message: &str) -> String {
    let Some(section) = section_of(message) else {
        return message.to_string();
    };
    let (kind, name) = section.split_once(':').unwrap_or(("", section));
    let place = match kind {
        "program" | "eventlistener" | "fcgi-program" => format!("program {name}"),
        "group" => format!("group {name}"),
        _ => format!("section [{section}]"),
    };
    match setting(plan, section, message) {
        Some(key) => format!("{place}, setting {key}: {message}"),
        None => format!("{place}: {message}"),
    }
}

/// `x:y` of the first `section 'x:y'` in `message`.
fn section_of(message: &str) -> Option<&str> {
    let start = message.find("section '")? + "section '".len();
    let len = message[start..].find('\'')?;
    Some(&message[start..start + len])
}

/// The key of the line of `[section]`, in the plan's staged files, whose
/// value the message quotes (supervisord's own `stdout_logfile` becomes
/// `stdout-logfile`).
fn setting(plan: &Plan, section: &str, message: &str) -> Option<String> {
    let header = format!("[{section}]");
    for step in &plan.steps {
        let Desired::File(file) = &step.desired else {
            continue;
        };
        let Some(body) = file.content.split(&header).nth(1) else {
            continue;
        };
        let body = body.split("\n[").next().unwrap_or(body);
        for line in body.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim();
            // Values as supervisord quotes them back: `%%` is one `%`.
            let value = value.replace("%%", "%");
            if value.len() >= 2 && message.contains(value.as_str()) {
                return Some(key.trim().replace('_', "-"));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::{Condition, File, Step};

    #[test]
    fn the_program_and_the_setting_are_named() {
        let file = |content: &str| Step {
            desired: Desired::File(File {
                path: "/etc/supervisor/conf.d/web.conf".into(),
                content: content.into(),
                owner: None,
                group: None,
                mode: 0o644,
                redact_keys: vec![],
                staged: true,
            }),
            reason: String::new(),
            when: Condition::Always,
        };
        let plan = Plan {
            steps: vec![file(
                "; Managed\n[program:web]\ncommand=run\nuser=nobody2\nstdout_logfile=/nope/web.log\n",
            )],
        };
        assert_eq!(
            locate(
                &plan,
                "Invalid user name nobody2 in section 'program:web' (file: '/etc/x')"
            ),
            "program web, setting user: Invalid user name nobody2 in section 'program:web' (file: '/etc/x')"
        );
        assert_eq!(
            locate(
                &plan,
                "The directory named as part of the path /nope/web.log does not exist in section 'program:web'"
            ),
            "program web, setting stdout-logfile: The directory named as part of the path /nope/web.log does not exist in section 'program:web'"
        );
        assert_eq!(locate(&plan, "something else"), "something else");
    }
}
