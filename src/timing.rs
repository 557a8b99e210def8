//! Stage timings for profiles: with `REPLYSCOPE_TIMINGS=1` in the environment, each
//! [`stage`] call prints the seconds since the first call and the stage's name to stderr
//! (BENCHMARKS.md quotes them). Without the variable a call costs one atomic load.

use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Option<Instant>> = OnceLock::new();

/// Marks the end of a stage named `name`.
pub fn stage(name: &str) {
    if let Some(t0) = start() {
        eprintln!("timing: {:8.3} s  {name}", t0.elapsed().as_secs_f64());
    }
}

/// Whether stages are timed: a name that costs work to write (a frame's size) is written
/// only then.
pub fn enabled() -> bool {
    start().is_some()
}

fn start() -> &'static Option<Instant> {
    START.get_or_init(|| {
        std::env::var_os("REPLYSCOPE_TIMINGS")
            .filter(|v| !v.is_empty() && v != "0")
            .map(|_| Instant::now())
    })
}
