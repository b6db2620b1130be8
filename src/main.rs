//! The `staffetta` binary; everything lives in the library (see `staffetta::cli`).

fn main() -> std::process::ExitCode {
    staffetta::cli::main()
}
