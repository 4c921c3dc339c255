//! `supd logs`: the end of a program's log on every node of a spec, read
//! through the same transport as an apply, one round trip per node, all
//! nodes at once; with `follow`, until interrupted.

use std::io::Write;
use std::sync::Mutex;

use crate::apply::Prepared;
use crate::node::{self, Address};

/// What `logs` shows.
#[derive(Debug, Clone)]
pub struct LogRequest {
    /// A program, a group, `group:program` or `*`.
    pub service: String,
    /// stderr instead of stdout.
    pub stderr: bool,
    /// Lines from the end.
    pub lines: u32,
    /// Keep printing.
    pub follow: bool,
}

/// Prints the log lines of every node of `prepared` to `out` as they come;
/// returns the failures, `(node, why)`.
pub fn show(
    prepared: &[Prepared<'_>],
    request: &LogRequest,
    out: &Mutex<dyn Write + Send>,
) -> Vec<(String, String)> {
    let jobs = crate::apply::jobs(prepared);
    let several = jobs.len() > 1;
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for (prepared, address) in &jobs {
            let failures = &failures;
            scope.spawn(move || {
                let label = format!("[{}] {address}", prepared.name);
                if let Err(why) =
                    one_node(prepared, address, request, several.then_some(&label), out)
                {
                    failures
                        .lock()
                        .expect("no panic holds it")
                        .push((label, why));
                }
            });
        }
    });
    failures.into_inner().expect("every thread is done")
}

fn one_node(
    prepared: &Prepared<'_>,
    address: &Address,
    request: &LogRequest,
    label: Option<&String>,
    out: &Mutex<dyn Write + Send>,
) -> Result<(), String> {
    let bounds = if request.follow {
        node::Bounds::following()
    } else {
        node::Bounds::default()
    };
    let transport = node::connect(address, &prepared.ssh, bounds).map_err(|e| e.to_string())?;
    let probes = prepared
        .provider
        .probes(
            &prepared.settings,
            &prepared.declaration,
            &[],
            &address.root(),
        )
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("{}: {}", e.field, e.message))?;
    let script = prepared
        .node_script
        .logs_script(
            &probes.sockets,
            &request.service,
            request.stderr,
            request.lines,
            request.follow,
        )
        .map_err(|e| e.to_string())?;
    let mut error = None;
    let output = transport
        .run_streaming(&script, &mut |line| {
            if let Some(why) = line.strip_prefix("@supd-error\t") {
                error = Some(why.to_string());
            } else if let Some(rest) = line.strip_prefix("@supd-log\t")
                && let Some((process, text)) = rest.split_once('\t')
            {
                let node = label.map(|l| format!("{l} ")).unwrap_or_default();
                // The process when the service names more than one.
                let single = [request.service.clone(), format!("{0}:{0}", request.service)];
                let process = if single.iter().any(|s| s == process) {
                    String::new()
                } else {
                    format!("{process} | ")
                };
                let mut out = out.lock().expect("no panic holds stdout");
                let line = format!("{node}{process}{text}");
                let _ = writeln!(out, "{}", crate::report::visible(&line));
                let _ = out.flush();
            }
        })
        .map_err(|e| e.to_string())?;
    match error {
        Some(why) => Err(why),
        None if output.code == Some(0) || crate::interrupted() => Ok(()),
        None => Err(format!(
            "the logs script ended with {:?}: {}",
            output.code,
            output.stderr.trim()
        )),
    }
}
