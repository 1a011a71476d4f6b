//! One run at a time: an engine is one loop over one store, so a second `run_once` or
//! `run_forever` while one is in progress is refused (with [`Error::Lifecycle`]) rather than
//! interleaved. Bindings claim the engine synchronously with [`Engine::begin`] (so the refusal
//! is raised where the user called, not later in a task) and drive the returned [`Run`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Engine, TickReport};
use crate::error::Error;

const ALREADY_RUNNING: &str = "the cashier is already running";

/// The engine's single-run flag, held while a run is in progress.
pub(super) struct Claim<'a>(&'a AtomicBool);

impl<'a> Claim<'a> {
    pub(super) fn take(flag: &'a AtomicBool) -> Result<Self, Error> {
        flag.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .map(|_| Claim(flag))
            .map_err(|_| Error::Lifecycle(ALREADY_RUNNING.to_owned()))
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// A run of an [`Engine`] claimed by [`Engine::begin`]: the engine refuses other runs until
/// this is dropped (whether it finished, or was dropped mid-tick).
pub struct Run {
    engine: Arc<Engine>,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run").finish_non_exhaustive()
    }
}

impl Engine {
    /// Claims the engine for one run, now: `Err(Lifecycle)` when a run is in progress.
    ///
    /// ```no_run
    /// # async fn demo(engine: std::sync::Arc<paysera_scanpay::engine::Engine>) {
    /// let run = engine.begin().expect("not running yet");
    /// assert!(engine.begin().is_err());
    /// let report = run.once().await;
    /// # }
    /// ```
    pub fn begin(self: &Arc<Self>) -> Result<Run, Error> {
        std::mem::forget(Claim::take(&self.running)?);
        Ok(Run {
            engine: self.clone(),
        })
    }

    /// Whether a run is in progress.
    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }
}

impl Run {
    /// One tick ([`Engine::run_once`] without claiming again).
    pub async fn once(&self) -> Result<TickReport, Error> {
        self.engine.tick_alone().await
    }

    /// Ticks until [`Engine::stop`] ([`Engine::run_forever`] without claiming again).
    pub async fn forever(&self) {
        self.engine.ticks().await
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        drop(Claim(&self.engine.running));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{EngineConfig, FnMerchant, MemoryStore};
    use crate::{Client, MacCredentials};

    fn engine() -> Arc<Engine> {
        let credentials = MacCredentials::new("id", "key").unwrap();
        let merchant = FnMerchant::new(|_| None, |_| {});
        let store = Arc::new(MemoryStore::new());
        let config = EngineConfig::default();
        Arc::new(
            Engine::new(
                Client::new(credentials).unwrap(),
                Arc::new(merchant),
                store,
                config,
            )
            .unwrap(),
        )
    }

    #[tokio::test]
    async fn an_engine_runs_one_loop_at_a_time() {
        let engine = engine();
        assert!(!engine.is_running());
        let run = engine.begin().unwrap();
        assert!(engine.is_running());
        let refused = engine.begin().unwrap_err();
        assert!(
            matches!(&refused, Error::Lifecycle(m) if m == ALREADY_RUNNING),
            "{refused}"
        );
        assert!(matches!(engine.run_once().await, Err(Error::Lifecycle(_))));
        assert!(matches!(
            engine.run_forever().await,
            Err(Error::Lifecycle(_))
        ));
        drop(run);
        assert!(!engine.is_running());
    }

    #[tokio::test]
    async fn a_run_ends_when_it_returns_or_is_dropped() {
        let engine = engine();
        engine.stop(); // counts before the first tick: forever() returns at once
        let run = engine.begin().unwrap();
        run.forever().await;
        assert!(engine.is_running(), "the claim lasts as long as the run");
        drop(run);
        engine.stop();
        engine.run_forever().await.unwrap();
        assert!(!engine.is_running());
        // A run_once future dropped before it finishes frees the engine too.
        let once = engine.run_once();
        drop(once);
        let _run = engine.begin().unwrap();
    }
}
