//! The `adept` binary: runs the command line and turns its result into an exit status.

use std::process::ExitCode;

use adept::ErrorClass;

fn main() -> ExitCode {
    adept::allocator::tune();
    // A panic is a bug: report it as an internal error with its own exit status, never as a crash.
    match std::panic::catch_unwind(|| {
        // Test seam (debug builds only): lets the tests see how a bug is reported.
        #[cfg(debug_assertions)]
        if std::env::var_os("ADEPT_DEBUG_PANIC").is_some() {
            panic!("ADEPT_DEBUG_PANIC is set");
        }
        adept::cli::run(std::env::args_os())
    }) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(err)) => {
            eprintln!("error: {err}");
            ExitCode::from(err.class().exit_code())
        }
        Err(_) => {
            eprintln!(
                "error: internal error (probably a bug in adept, please report it with the message above)"
            );
            ExitCode::from(ErrorClass::Internal.exit_code())
        }
    }
}
