//! Live progress on a terminal: one line per node saying what it does now
//! ("pip supervisor==4.3.0 in /opt/supervisord/venv", "waiting for web
//! RUNNING (3/10 s)"), replaced by its result when it is done. Off the
//! terminal nothing is drawn, and output stays as it is.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// The live lines of a run.
pub struct Live {
    bars: MultiProgress,
    lines: Mutex<BTreeMap<String, ProgressBar>>,
}

impl Live {
    /// Live lines on stderr when it is a terminal, else `None`.
    pub fn on_terminal() -> Option<Live> {
        std::io::stderr().is_terminal().then(|| Live {
            bars: MultiProgress::new(),
            lines: Mutex::new(BTreeMap::new()),
        })
    }

    /// `[group] node` now does `text`.
    pub fn progress(&self, group: &str, node: &str, text: &str) {
        let key = format!("[{group}] {node}");
        let mut lines = self.lines.lock().expect("no panic holds the lines");
        let bar = lines.entry(key.clone()).or_insert_with(|| {
            let bar = self.bars.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix} {wide_msg}")
                    .expect("a valid template"),
            );
            bar.set_prefix(key);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        bar.set_message(super::visible(text).into_owned());
    }

    /// The node is done: its line goes, and `print` writes its result
    /// above the lines still running.
    pub fn done(&self, group: &str, node: &str, print: impl FnOnce()) {
        let key = format!("[{group}] {node}");
        if let Some(bar) = self
            .lines
            .lock()
            .expect("no panic holds the lines")
            .remove(&key)
        {
            bar.finish_and_clear();
            self.bars.remove(&bar);
        }
        self.bars.suspend(print);
    }
}
