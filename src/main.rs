fn main() {
    // A bug in sdetkit is reported in one line, not with a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("sdetkit: internal error: {info} (please report this)");
    }));
    std::process::exit(sdetkit::cli::main());
}

/// The weekly lane parses rows on one thread and frees them on another; glibc's allocator
/// makes that hand-over cost 38 % more CPU than the work itself, mimalloc does not (BENCHMARKS).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
