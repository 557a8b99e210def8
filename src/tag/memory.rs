//! Reading the models' tables sooner: their weights are spread over megabytes that the
//! cache rarely holds, so a text's lookups are asked for all at once (a prefetch each) and
//! read afterwards, and their waits overlap instead of coming one after another.

/// Asks the cache for the line holding `x`, without waiting for it.
#[inline(always)]
pub(crate) fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE, which the instruction needs, is part of every x86_64 CPU; a prefetch is a
    // hint that reads nothing into the program and cannot fault.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
            (x as *const T).cast(),
        )
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}
