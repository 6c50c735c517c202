//! The `newsletter` binary: parses the command line and hands each command to
//! its file under `src/cli/`. All the work happens in the library.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
