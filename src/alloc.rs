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

/// Opts the process out of transparent huge pages. mimalloc asks the kernel for huge pages
/// on its arenas (`madvise`), and where the kernel's THP `defrag` setting is `madvise` (a
/// common default) every fault of such a page may stall to compact memory first: on this
/// project's machine the same query batch took 0.64 to 1.83 s with 0.07 to 1.75 s of system
/// time, against 0.91 to 0.97 s without huge pages, and a 3M-tweet incremental update had
/// 2.9 to 4.7 s of system time against 2.0 s (BENCHMARKS.md). Builds ran as fast without
/// them, with 14% less peak memory. Effective for every later page fault; a no-op off Linux.
pub fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes one integer argument and touches no memory of ours;
    // a kernel without it returns an error, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
