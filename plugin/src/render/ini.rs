//! A writer for the INI dialect supervisord reads: Python's configparser
//! with `;`/`#` comments, then supervisord's own `%(name)s` expansion.

use std::fmt::Write;

/// Builds one INI file, section by section, in the order values are added,
/// so the same input always renders the same bytes.
#[derive(Debug, Default)]
pub struct IniWriter {
    text: String,
}

impl IniWriter {
    /// A file that starts with `header` (a comment line).
    pub fn new(header: &str) -> IniWriter {
        IniWriter {
            text: format!("{header}\n"),
        }
    }

    /// Starts `[name]`, with a blank line before it.
    pub fn section(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.text, "\n[{name}]\n");
        self
    }

    /// Writes `key=value` with the value taken literally: every `%` is
    /// doubled, because supervisord expands `%(name)s` in values.
    pub fn literal(&mut self, key: &str, value: &str) -> &mut Self {
        self.raw(key, &escape_percent(value))
    }

    /// Writes `key=value` exactly; for values that are numbers, booleans or
    /// already-escaped templates.
    pub fn raw(&mut self, key: &str, value: &str) -> &mut Self {
        let _ = writeln!(self.text, "{key}={value}");
        self
    }

    /// Writes `key=value` for a present optional value.
    pub fn opt<T: ToString>(&mut self, key: &str, value: Option<T>) -> &mut Self {
        if let Some(value) = value {
            self.raw(key, &value.to_string());
        }
        self
    }

    /// Writes `key=value` for a present optional literal string.
    pub fn opt_literal(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.literal(key, value);
        }
        self
    }

    /// The file content.
    pub fn finish(self) -> String {
        self.text
    }
}

/// Doubles every `%`, so supervisord's `%`-expansion yields the text itself.
pub fn escape_percent(value: &str) -> String {
    value.replace('%', "%%")
}

/// Renders an environment as supervisord's `KEY="value",KEY2='value2'`,
/// sorted by key. Released supervisors (4.2, 4.3) split it with a
/// non-POSIX shlex (no escapes; quotes kept, then stripped), the next one
/// with a POSIX shlex (backslash escapes inside double quotes). A value is
/// double-quoted unless it holds `"` or `\`, then single-quoted: both
/// parsers read either back unchanged. `validate::env_value` refuses what
/// neither quoting can carry. `%` is doubled for supervisord's expansion.
pub fn environment<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut vars: Vec<(&str, &str)> = vars.into_iter().collect();
    vars.sort();
    let rendered: Vec<String> = vars
        .into_iter()
        .map(|(name, value)| {
            let quote = if value.contains(['"', '\\']) {
                '\''
            } else {
                '"'
            };
            format!("{name}={quote}{}{quote}", escape_percent(value))
        })
        .collect();
    rendered.join(",")
}

/// supervisord's boolean spelling.
pub fn boolean(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_is_sorted_quoted_and_escaped() {
        let env = environment([
            ("B", "x,y=z #1"),
            ("A", r#"say "hi" \ 100%"#),
            ("C", "it's"),
        ]);
        assert_eq!(env, r#"A='say "hi" \ 100%%',B="x,y=z #1",C="it's""#);
    }

    #[test]
    fn literals_double_percent_signs() {
        let mut w = IniWriter::new("; h");
        w.section("program:x")
            .literal("command", "echo 50% %(ENV_HOME)s")
            .raw("numprocs", "2");
        assert_eq!(
            w.finish(),
            "; h\n\n[program:x]\ncommand=echo 50%% %%(ENV_HOME)s\nnumprocs=2\n"
        );
    }
}
