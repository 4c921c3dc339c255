//! Text from nodes shown to people: a program that goes FATAL writes its
//! own log lines, and its own name is in them, so whatever reaches a
//! terminal has its control characters (escape sequences, carriage
//! returns, bidirectional overrides) shown as visible escapes, never
//! acted on. Line breaks between lines stay.

use std::borrow::Cow;
use std::io::Write;

/// Whether a character would act on a terminal rather than be shown.
fn acts(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character shown as `\xNN` (`\u{NNNN}`
/// beyond one byte).
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(acts) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !acts(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

/// A writer for people: what is written through it is shown visibly.
pub struct Visible<'a>(pub &'a mut dyn Write);

impl Write for Visible<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(bytes);
        self.0.write_all(visible(&text).as_bytes())?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_shown_and_never_sent() {
        assert_eq!(visible("plain text\tand tab\n"), "plain text\tand tab\n");
        assert_eq!(
            visible("\u{1b}[2J\u{1b}]0;owned\u{7}\rback"),
            "\\x1b[2J\\x1b]0;owned\\x07\\x0dback"
        );
        assert_eq!(visible("a\u{9b}b\u{202e}c"), "a\\x9bb\\u{202e}c");
        let mut out = Vec::new();
        write!(Visible(&mut out), "x\u{1b}y").unwrap();
        assert_eq!(out, b"x\\x1by");
    }
}
