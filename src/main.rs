fn main() {
    // A bug in sdetkit is reported in one line, not with a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("sdetkit: internal error: {info} (please report this)");
    }));
    std::process::exit(sdetkit::cli::main());
}
