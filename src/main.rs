use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    replyscope::alloc::no_transparent_huge_pages();
    let args = replyscope::cli::Args::parse(); // clap prints usage errors itself (exit 2)
    match replyscope::app::run(args) {
        Ok(outcome) if outcome.failed_queries > 0 => {
            ExitCode::from(outcome.failed_queries.min(100) as u8)
        }
        Ok(outcome) if outcome.rejects == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS, // `replyscope search ... | head`
        Err(err) => {
            // Ignored when stderr is closed: the exit status still says it failed.
            let _ = writeln!(std::io::stderr(), "replyscope: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
