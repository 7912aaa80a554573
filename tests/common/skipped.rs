//! Tests that cannot run here say so where the person who ran `cargo test`
//! sees it: the harness captures what passing tests print, so a skip
//! writes past that capture, straight to standard error, one line for the
//! whole run (every test binary, and every test process under nextest,
//! shares the runner as its parent: the first to skip writes the line).

use std::io::Write;

/// Says once per run that the tests needing `what` are skipped (naming
/// `test`, the first), and how to run them.
pub fn say(what: &str, test: &str, how: &str) {
    let marker = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "skipped-{}-{}",
        std::os::unix::process::parent_id(),
        what.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    ));
    let first = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(marker)
        .is_ok();
    if first {
        let _ = writeln!(
            std::io::stderr(),
            "note: the tests that need {what} are skipped in this run (the first: {test}): {how}"
        );
    }
}
