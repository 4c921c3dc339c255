//! Medians and timings for the benchmark tables.

use std::time::{Duration, Instant};

/// The median of `samples` (the upper one of an even count).
pub fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// The median time of one call of `f` over `runs` samples of `inner` calls.
pub fn time(runs: usize, inner: u32, mut f: impl FnMut()) -> Duration {
    let inner = inner.max(1);
    let samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..inner {
                f();
            }
            start.elapsed() / inner
        })
        .collect();
    median(&samples)
}

/// A duration as the tables print it: µs, ms or s with 3 significant digits.
pub fn human(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.1} µs")
    } else if us < 1e6 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}
