//! Standard output of the command-line tools: a report is written in one piece, and a reader
//! that stops early (`staffetta config check | head -1`) ends it quietly. `println!` panics
//! with a backtrace when the pipe is closed.

use std::io::{self, Write};

/// Writes `text` to standard output and flushes it. A closed pipe is not an error: the reader
/// asked for no more. Any other write error is reported on standard error, and the command's
/// exit status stays what its work decided.
pub(super) fn print(text: &str) {
    let mut stdout = io::stdout().lock();
    let written = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    match written {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {}
        Err(err) => eprintln!("error: cannot write to standard output: {err}"),
    }
}
