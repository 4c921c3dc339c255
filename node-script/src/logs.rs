//! The logs script: the end of a program's log, and what it writes after,
//! read through supervisord's XML-RPC on the node (like `supervisorctl
//! tail`), in one round trip.

use crate::script::quote;

/// The Python part, run by the node's python3 after rpc_client.py.
const LOGS_PY: &str = include_str!("logs.py");

/// The script for `program`'s log.
pub fn script(sockets: &[String], program: &str, stderr: bool, lines: u32, follow: bool) -> String {
    let python = format!("{}{LOGS_PY}", include_str!("rpc_client.py"));
    let sockets: Vec<String> = sockets.iter().map(|s| quote(s)).collect();
    format!(
        "#!/bin/sh\n# supd logs\nsupd_logs() {{\n    py=/usr/bin/python3\n    [ -x \"$py\" ] || py=$(command -v python3 2>/dev/null) || {{ printf '@supd-error\\tthe node has no python3\\n'; exit 3; }}\n    exec \"$py\" -S -u -c {} {} {} {} {} {}\n}}\nsupd_logs\n",
        quote(&python),
        quote(program),
        if stderr { "stderr" } else { "stdout" },
        lines,
        u8::from(follow),
        sockets.join(" ")
    )
}
