//! Finding the line of a key in a spec file, so errors that plugins report
//! by field path point at the line that set the field.

use std::fmt;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

/// A place in a spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub file: PathBuf,
    /// 1-based line and column, when known.
    pub line_col: Option<(usize, usize)>,
}

impl Location {
    /// The file as a whole.
    pub fn file(path: &Path) -> Location {
        Location {
            file: path.to_path_buf(),
            line_col: None,
        }
    }

    /// A byte offset in `source`.
    pub fn at_offset(path: &Path, source: &str, offset: usize) -> Location {
        let before = &source[..offset.min(source.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Location {
            file: path.to_path_buf(),
            line_col: Some((line, column)),
        }
    }

    /// The key path `keys`, or its nearest ancestor that exists.
    pub fn of_keys(path: &Path, source: &str, keys: &[&str]) -> Location {
        match DeTable::parse(source) {
            Ok(table) => {
                let mut offset = None;
                let mut current = table.get_ref();
                for (depth, key) in keys.iter().enumerate() {
                    let Some((found_key, value)) = current.get_key_value(*key) else {
                        break;
                    };
                    offset = Some(found_key.span().start);
                    match value.get_ref() {
                        DeValue::Table(inner) => current = inner,
                        DeValue::Array(items) => {
                            // An index into an array of values: the item.
                            let item = keys
                                .get(depth + 1)
                                .and_then(|index| index.parse::<usize>().ok())
                                .and_then(|index| items.get(index));
                            if let Some(item) = item {
                                offset = Some(item.span().start);
                            }
                            break;
                        }
                        _ => break,
                    }
                }
                match offset {
                    Some(offset) => Location::at_offset(path, source, offset),
                    None => Location::file(path),
                }
            }
            Err(_) => Location::file(path),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line_col {
            Some((line, column)) => write!(f, "{}:{line}:{column}", self.file.display()),
            None => write!(f, "{}", self.file.display()),
        }
    }
}

/// Splits a plugin's field path (`settings.groups[a:b].priority`,
/// `programs[web].environment[PATH]`) into keys.
pub fn field_keys(field: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut current = String::new();
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if !current.is_empty() {
                    keys.push(std::mem::take(&mut current));
                }
            }
            '[' => {
                if !current.is_empty() {
                    keys.push(std::mem::take(&mut current));
                }
                let inner: String = chars.by_ref().take_while(|c| *c != ']').collect();
                keys.push(inner);
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        keys.push(current);
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_split_into_keys() {
        assert_eq!(
            field_keys("settings.install.strategy"),
            ["settings", "install", "strategy"]
        );
        assert_eq!(
            field_keys("programs[web].environment[PATH]"),
            ["programs", "web", "environment", "PATH"]
        );
        assert_eq!(
            field_keys("settings.groups[a:b]"),
            ["settings", "groups", "a:b"]
        );
    }

    #[test]
    fn keys_are_found_on_their_line() {
        let source = "[groups.web]\nnodes = [\"local\", \"bad\"]\n\n[groups.web.settings]\ninstall = { strategy = \"brew\" }\n";
        let path = Path::new("w.toml");
        let at = |keys: &[&str]| {
            Location::of_keys(path, source, keys)
                .line_col
                .map(|(l, _)| l)
        };
        assert_eq!(
            at(&["groups", "web", "settings", "install", "strategy"]),
            Some(5)
        );
        assert_eq!(at(&["groups", "web", "nodes", "1"]), Some(2));
        assert_eq!(at(&["groups", "web", "settings", "missing"]), Some(4));
        assert_eq!(at(&["nothing"]), None);
    }
}
