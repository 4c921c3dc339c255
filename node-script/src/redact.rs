//! Secrets never leave the node through a report: `key=value` lines whose
//! key a file step lists in `redact-keys` are shown as `key=<redacted>` in
//! plans, diffs and JSON.

use similar::TextDiff;

/// What replaces a secret value.
pub const REDACTED: &str = "<redacted>";

/// What replaces a secret value that differs from the node's.
pub const REDACTED_CHANGED: &str = "<redacted, changed>";

/// `content` with the values of `keys` replaced.
pub fn redact(content: &str, keys: &[String]) -> String {
    redact_marking(content, keys, |_| false)
}

/// Like `redact`, but lines for which `changed` holds say so, so a diff
/// still shows that a secret changed without showing it.
fn redact_marking(content: &str, keys: &[String], changed: impl Fn(&str) -> bool) -> String {
    if keys.is_empty() {
        return content.to_string();
    }
    let mut out = String::with_capacity(content.len());
    for line in content.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        match body.split_once('=') {
            Some((key, _)) if keys.iter().any(|k| k == key.trim()) => {
                out.push_str(key);
                out.push('=');
                out.push_str(if changed(body) {
                    REDACTED_CHANGED
                } else {
                    REDACTED
                });
            }
            _ => out.push_str(body),
        }
        out.push_str(newline);
    }
    out
}

/// A unified diff of two versions of a file, both redacted.
pub fn diff(path: &str, old: &str, new: &str, keys: &[String]) -> String {
    let old_lines: std::collections::BTreeSet<&str> = old.lines().collect();
    let old = redact(old, keys);
    let new = redact_marking(new, keys, |line| !old_lines.contains(line));
    TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{path} (on node)"), &format!("{path} (planned)"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_keys_are_masked_everywhere() {
        let keys = vec!["environment".to_string(), "password".to_string()];
        let text = "command=run\nenvironment=TOKEN=\"s3cret\"\npassword={SHA}abc";
        assert_eq!(
            redact(text, &keys),
            "command=run\nenvironment=<redacted>\npassword=<redacted>"
        );
        let d = diff(
            "/f",
            "environment=A=\"old-secret\"\n",
            "environment=A=\"new-secret\"\ncommand=x\n",
            &keys,
        );
        assert!(!d.contains("secret"), "{d}");
        assert!(d.contains("+command=x"), "{d}");
        assert!(d.contains("+environment=<redacted, changed>"), "{d}");
    }
}
