//! An error as one line, with every cause: what a log line or the command
//! line shows, since the error types keep their causes as sources rather
//! than in their own message.

/// `outer: cause: cause of the cause`, outermost first.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some errors (reqwest's, for one) repeat their source's message.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot open the store")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn every_cause_is_shown_outermost_first() {
        let e = Outer(std::io::Error::other("disk full"));
        assert_eq!(chain(&e), "cannot open the store: disk full");
    }
}
