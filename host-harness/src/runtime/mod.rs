//! Loading provider and facility components and calling them inside a
//! sandbox with bounded time and memory.

pub mod bindings;
mod cache;
pub mod canonical;
mod error;
mod limits;
mod node_script;
mod plugin;
mod registry;
mod sandbox;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::component::Linker;
use wasmtime::{Config, Engine};

pub use cache::{CacheOutcome, CodeCache};
pub use error::PluginError;
pub use limits::Limits;
pub use node_script::{NODE_SCRIPT_INTERFACE, NodeScriptPlugin};
pub use plugin::{
    CallJsonError, FACILITY_INTERFACE, FacilityPlugin, PROVIDER_INTERFACE, ProviderPlugin,
};

/// The SHA-256 of a component's bytes, hex: what a spec pins.
pub fn digest(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}
pub use registry::{LoadedFacility, MapError, Registry};

use limits::StoreData;

/// The bundled supervisord provider component.
pub const BUNDLED_PROVIDER: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/supervisord.wasm"));

/// The bundled node-script component.
pub const BUNDLED_NODE_SCRIPT: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/node-script.wasm"));

/// The bundled example app-deploy facility component.
pub const BUNDLED_FACILITY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/app-deploy.wasm"));

/// Plugin instances alive at once: one per call in flight (a call per
/// worker thread), with room to spare.
const POOL_INSTANCES: u32 = 128;

/// How often the epoch advances; the granularity of call timeouts.
const EPOCH_TICK: Duration = Duration::from_millis(5);

/// One wasmtime engine for every plugin, with its epoch ticker.
pub struct Runtime {
    engine: Engine,
    linker: Linker<StoreData>,
    cache: CodeCache,
    limits: Limits,
    ticker_stop: Arc<AtomicBool>,
}

impl Runtime {
    /// An engine with epoch interruption, and a linker that offers WASI
    /// (empty, see `sandbox`) to components that import it.
    pub fn new(cache: CodeCache, limits: Limits) -> wasmtime::Result<Runtime> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        // Instances come from a pool of pre-reserved slots, so making one
        // costs no mmap (see `plugin` for when an instance is replaced).
        // Slots are sized by the memory limit, so the pool is also a second
        // memory bound.
        let mut pool = wasmtime::PoolingAllocationConfig::new();
        pool.total_component_instances(POOL_INSTANCES)
            .total_core_instances(POOL_INSTANCES)
            .total_memories(POOL_INSTANCES)
            .total_tables(POOL_INSTANCES)
            .total_stacks(POOL_INSTANCES)
            .max_memory_size(limits.memory_bytes);
        config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        let ticker_stop = Arc::new(AtomicBool::new(false));
        let weak = engine.weak();
        let stop = ticker_stop.clone();
        std::thread::Builder::new()
            .name("epoch-ticker".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .map_err(|e| wasmtime::Error::msg(format!("starting the epoch ticker: {e}")))?;
        Ok(Runtime {
            engine,
            linker,
            cache,
            limits,
            ticker_stop,
        })
    }

    /// The bounds applied to every call.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Epoch ticks in the call timeout.
    fn deadline_ticks(&self) -> u64 {
        (self.limits.timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}
