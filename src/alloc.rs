//! The allocator's settings. The binary's allocator is mimalloc (src/main.rs).

/// `mi_option_purge_delay` in mimalloc's `mimalloc.h` (the same position in its versions 2
/// and 3): how long freed memory waits before it is returned to the OS, in milliseconds
/// (default 10); -1 never returns it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// From now on, memory freed is kept for reuse instead of returned to the OS. The query
/// batch (and an incremental update, which merges the tables) decodes Parquet columns and builds the cells lists in large buffers it frees and
/// allocates again in turn; every page returned to the OS came back zeroed by the kernel
/// (`clear_page_erms` was 43% of a batch's profile). Index builds keep the default: keeping
/// what they free raised their peak memory by 17% (BENCHMARKS.md).
pub fn keep_freed_memory() {
    // SAFETY: mi_option_set only stores an option value; any value is valid for this one.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}
