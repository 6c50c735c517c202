//! The `newsletter` binary: parses the command line and hands each command to
//! its file under `src/cli/`. All the work happens in the library.

mod cli;

/// mimalloc instead of the system allocator: parsing and scoring a page
/// allocates a node, a name and a string per element, and glibc's malloc
/// spent about a tenth of the time of cleaning a page.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::main());
}
