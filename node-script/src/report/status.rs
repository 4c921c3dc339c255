//! Program states from `supervisorctl status` output.

use crate::bindings::ProgramStatus;

/// One status per line that has a name and an upper-case state.
pub fn parse(output: &str) -> Vec<ProgramStatus> {
    output
        .lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let name = parts.next()?;
            let state = parts.next()?;
            if !state.chars().all(|c| c.is_ascii_uppercase()) {
                return None;
            }
            let detail = parts.collect::<Vec<_>>().join(" ");
            let pid = detail
                .strip_prefix("pid ")
                .and_then(|rest| rest.split(',').next())
                .and_then(|pid| pid.trim().parse().ok());
            let reason = (!matches!(state, "RUNNING" | "STARTING") && !detail.is_empty())
                .then(|| detail.clone());
            Some(ProgramStatus {
                name: name.to_string(),
                state: state.to_string(),
                detail,
                pid,
                reason,
                stdout_tail: Vec::new(),
                stderr_tail: Vec::new(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn status_lines_parse() {
        let out = "web                              RUNNING   pid 123, uptime 0:00:05\nsite:worker   FATAL     Exited too quickly (process log may have details)\nunix:///x no such file\n";
        let states = parse(out);
        assert_eq!(states.len(), 2);
        assert_eq!(states[0].pid, Some(123));
        assert_eq!(states[1].state, "FATAL");
        assert_eq!(states[1].pid, None);
    }
}
