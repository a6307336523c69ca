//! The `adept` binary: runs the command line and turns its result into an exit status.

use std::process::ExitCode;

fn main() -> ExitCode {
    match adept::cli::run(std::env::args_os()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.class().exit_code())
        }
    }
}
