//! Plans compiled to one POSIX shell script per node: each step a call into
//! the step library (`prelude.sh`) that checks before it changes. The same
//! script is what hosts run in one round trip and what `supd script` prints
//! for air-gapped nodes.

mod compile;
mod validate;

pub use compile::{compile, lock_of};
pub use validate::{DEFAULT_LOCK_WAIT_SECS, DEFAULT_MAX_BYTES, DEFAULT_MAX_STEPS, validate};

/// Quotes a word for sh.
pub fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn the_python_parts_fit_in_one_single_quoted_shell_word() {
        for (name, text) in super::compile::PYTHON {
            assert!(!text.contains('\''), "{name}");
        }
    }

    #[test]
    fn quoting_survives_every_quote() {
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf '%s' {}", quote("a'b\"c$d`e\\f\ng %% ;#")))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            "a'b\"c$d`e\\f\ng %% ;#"
        );
    }
}
