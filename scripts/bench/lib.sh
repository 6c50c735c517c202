# Shared by the benchmark scripts: source it after setting ROOT (the
# repository root).

# BIN: the binary to measure. Built here (release, the profile users run)
# unless the caller named one with BIN=path, to compare two builds.
if [ -z "${BIN:-}" ]; then
    cargo build --release --bin newsletter --manifest-path "$ROOT/Cargo.toml" >&2
    BIN=$ROOT/target/release/newsletter
fi
