//! Secrets never leave the node through a report: `key=value` lines whose
//! key a file step lists in `redact-keys` are shown as `key=<redacted>` in
//! plans, diffs and JSON, and their values are masked wherever else they
//! show up (messages, program log tails).

use similar::TextDiff;

use crate::bindings::{Desired, Plan};

/// Secret values shorter than this are not masked in free text: masking
/// `1` or `on` would garble every message, and they hide nothing.
const SHORTEST_MASKED: usize = 4;

/// What replaces a secret value.
pub const REDACTED: &str = "<redacted>";

/// What replaces a secret value that differs from the node's.
pub const REDACTED_CHANGED: &str = "<redacted, changed>";

/// `content` with the values of `keys` replaced.
pub fn redact(content: &str, keys: &[String]) -> String {
    redact_marking(content, keys, |_| false)
}

/// Like `redact`, but lines for which `changed` holds say so, so a diff
/// still shows that a secret changed without showing it. Keys are read as
/// supervisor's parser reads them (the node's file may have been edited by
/// hand): in any case, before `=` or `:`, and a value goes on over the
/// indented lines that follow it.
fn redact_marking(content: &str, keys: &[String], changed: impl Fn(&str) -> bool) -> String {
    if keys.is_empty() {
        return content.to_string();
    }
    let secret = |key: &str| keys.iter().any(|k| k.eq_ignore_ascii_case(key.trim()));
    let mut out = String::with_capacity(content.len());
    let mut in_secret = false;
    for line in content.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        let continued = body.starts_with([' ', '\t']) && !body.trim().is_empty();
        if in_secret && continued {
            let indent = &body[..body.len() - body.trim_start().len()];
            out.push_str(indent);
            out.push_str(REDACTED);
            out.push_str(newline);
            continue;
        }
        in_secret = false;
        let key_end = body.find(['=', ':']).filter(|_| !continued);
        match key_end {
            Some(end) if secret(&body[..end]) => {
                out.push_str(&body[..=end]);
                out.push_str(if changed(body) {
                    REDACTED_CHANGED
                } else {
                    REDACTED
                });
                in_secret = true;
            }
            _ => out.push_str(body),
        }
        out.push_str(newline);
    }
    out
}

/// Every secret value a plan's files carry: the values of their redacted
/// lines, and each value of a redacted `environment=` line
/// (`A="x",B='y'`, `%%` for `%`).
pub fn secrets(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    for step in &plan.steps {
        let Desired::File(file) = &step.desired else {
            continue;
        };
        for line in file.content.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            if !file.redact_keys.iter().any(|k| k == key.trim()) {
                continue;
            }
            out.push(value.to_string());
            if key.trim() == "environment" {
                out.extend(environment_values(value));
            }
        }
    }
    out.retain(|s| s.len() >= SHORTEST_MASKED);
    out.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    out.dedup();
    out
}

/// The values of an `environment=` value as the provider renders it.
fn environment_values(line: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut rest = line;
    while let Some((_, after)) = rest.split_once('=') {
        let mut chars = after.chars();
        let Some(quote) = chars.next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let body = &after[1..];
        let Some(end) = body.find(quote) else {
            break;
        };
        values.push(body[..end].replace("%%", "%"));
        rest = body[end + 1..]
            .strip_prefix(',')
            .unwrap_or(&body[end + 1..]);
    }
    values
}

/// `text` with every secret masked.
pub fn mask(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), REDACTED);
        }
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
    fn secrets_are_redacted_however_the_file_spells_them() {
        let keys = vec!["password".to_string(), "environment".to_string()];
        let text = "[inet_http_server]\nport=:9001\nPassword : hunter22\n[program:x]\nENVIRONMENT=A=\"1\",\n  B=\"s3cret\"\ncommand=run\n";
        let redacted = redact(text, &keys);
        assert!(
            !redacted.contains("hunter22") && !redacted.contains("s3cret"),
            "{redacted}"
        );
        assert!(
            redacted.contains("port=:9001") && redacted.contains("command=run"),
            "{redacted}"
        );
    }

    #[test]
    fn environment_values_are_secrets_and_masked_in_free_text() {
        assert_eq!(
            environment_values(r#"A="s3cret",B='say "hi"',C="100%%",D="x""#),
            ["s3cret", r#"say "hi""#, "100%", "x"]
        );
        let secret = vec!["s3cret".to_string()];
        assert_eq!(
            mask("token s3cret refused", &secret),
            "token <redacted> refused"
        );
    }

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
