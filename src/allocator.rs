//! Settings for glibc's allocator, applied once when the `adept` binary starts.
//!
//! Ingest decodes every batch of events into fresh arrays, and frees them a few milliseconds
//! later on another thread. With glibc's defaults, buffers of a few MiB are mapped and unmapped
//! each time, and freed memory at the top of a heap is handed back to the system: each batch then
//! faults its pages in again, one 4 KiB page at a time, each cleared by the kernel. At 10M events
//! that was about 560,000 page faults and 1.6 of 7 CPU seconds in the kernel.
//!
//! Here, buffers up to 32 MiB come from the heaps and up to 256 MiB of freed memory is kept for
//! reuse, with one heap ("arena") per core so that the decoding threads reuse each other's
//! memory. Measured at 10M events (`docs/performance.md`): page faults about halved, CPU seconds
//! about 13% fewer, peak memory about 70 MiB higher.
//!
//! A user who sets `GLIBC_TUNABLES` keeps their own settings. Other platforms and C libraries
//! are left as they are.

/// Applies the settings (see the module documentation); does nothing where they do not apply.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("GLIBC_TUNABLES").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        for (setting, value) in [
            (libc::M_MMAP_THRESHOLD, 32 << 20),
            (libc::M_TRIM_THRESHOLD, 256 << 20),
            (libc::M_ARENA_MAX, arenas),
        ] {
            // SAFETY: `mallopt` only changes the allocator's parameters; it is called at start,
            // before any other thread exists. It returns 0 for a setting it refuses, which then
            // keeps its default: nothing to do about that.
            unsafe {
                libc::mallopt(setting, value);
            }
        }
    }
}

/// Asks the kernel to back a large buffer that has not been written yet with 2 MiB pages where it
/// can (transparent huge pages, when the system leaves them to the program: `madvise` mode). A
/// table probed at random then misses the processor's address translation cache far less often,
/// and is faulted in 2 MiB at a time. Does nothing for buffers under 4 MiB, on other platforms, or
/// where the kernel refuses.
pub fn advise_huge_pages<T>(buf: &mut [T]) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = buf.as_mut_ptr() as usize;
        let end = start + std::mem::size_of_val(buf);
        let (first, last) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
        if last >= first + HUGE {
            // SAFETY: the range lies within `buf`, which this function borrows mutably; the advice
            // changes only how the kernel backs the pages, not their contents.
            unsafe {
                libc::madvise(
                    first as *mut libc::c_void,
                    last - first,
                    libc::MADV_HUGEPAGE,
                );
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = buf;
}
