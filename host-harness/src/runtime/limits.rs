//! Bounds on what one plugin call may use, and the per-store state that
//! enforces them.

use std::time::Duration;

use wasmtime::ResourceLimiter;
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxView, WasiView};

/// Bounds of one call into a plugin.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Wall time a call may run before it is interrupted.
    pub timeout: Duration,
    /// Linear memory a plugin instance may grow to, in bytes.
    pub memory_bytes: usize,
    /// Steps a returned plan may have.
    pub max_plan_steps: usize,
    /// Bytes of text (all strings together) a returned plan may carry.
    pub max_plan_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            timeout: Duration::from_secs(5),
            memory_bytes: 64 << 20,
            max_plan_steps: 10_000,
            max_plan_bytes: 16 << 20,
        }
    }
}

/// Per-call store data: limits, and an empty WASI context for components
/// that import WASI anyway.
pub struct StoreData {
    memory_limit: usize,
    /// Set when a memory or table grow was refused.
    pub(crate) refused_growth: Option<usize>,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl StoreData {
    pub(crate) fn new(limits: &Limits) -> StoreData {
        StoreData {
            memory_limit: limits.memory_bytes,
            refused_growth: None,
            wasi: super::sandbox::empty_wasi(),
            table: ResourceTable::new(),
        }
    }
}

impl ResourceLimiter for StoreData {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_limit {
            self.refused_growth = Some(desired);
            // Refusing with an error traps the guest at once, rather than
            // letting it see -1 and try something else.
            return Err(wasmtime::Error::msg(format!(
                "memory limit of {} bytes reached (wanted {desired})",
                self.memory_limit
            )));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        const MAX_TABLE_ELEMENTS: usize = 100_000;
        if desired > MAX_TABLE_ELEMENTS {
            self.refused_growth = Some(desired);
            return Err(wasmtime::Error::msg(format!(
                "table limit of {MAX_TABLE_ELEMENTS} elements reached"
            )));
        }
        Ok(true)
    }
}

impl WasiView for StoreData {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
