//! The closest expected name to a misspelt one, and serde's "unknown
//! field" message rewritten to suggest it ("did you mean `command`?")
//! instead of listing every key.

/// The edit distance (insertions, deletions, substitutions and swaps of
/// neighbours) between `a` and `b`, in characters.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: the distance between a[..i] and b[..j]; three rows kept.
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut current = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let substitution = usize::from(a[i - 1] != b[j - 1]);
            current[j] = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + substitution);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                current[j] = current[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut previous, current);
    }
    previous[b.len()]
}

/// The longest word a suggestion is looked for.
const MAX_WORD: usize = 64;

/// The candidate closest to `word`, when one is close enough to be what
/// was meant: at most a third of its characters away (at least one), and
/// the first of equally close ones. Case and `_` against `-` count as
/// nothing, so `Command` and `stop_signal` find `command` and `stop-signal`.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let fold = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let length = word.chars().count();
    // No key is this long: nothing to suggest, and nothing to compute.
    if length > MAX_WORD {
        return None;
    }
    let word = fold(word);
    let limit = (length / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let candidate_length = candidate.chars().count();
        if candidate_length.abs_diff(length) > limit {
            continue; // farther than the limit however it is spelt
        }
        let d = distance(&word, &fold(candidate));
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// The names serde lists after "expected": "one of `a`, `b`", "`a` or
/// `b`", "`a`", or "there are no fields".
fn expected_names(expected: &str) -> Vec<&str> {
    expected.split('`').skip(1).step_by(2).collect()
}

/// serde's `unknown field `comand`, expected one of `command`, ...`
/// rewritten as `unknown field `comand`; did you mean `command`?`; `None`
/// for any other message, or when no expected name is close.
pub fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (word, rest) = rest.split_once('`')?;
    let expected = rest.strip_prefix(", expected ")?;
    let suggestion = closest(word, expected_names(expected))?;
    Some(format!(
        "unknown field `{word}`; did you mean `{suggestion}`?"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        for (a, b, d) in [
            ("", "", 0),
            ("comand", "command", 1),
            ("command", "comamnd", 1),
            ("user", "group", 5),
            ("kitten", "sitting", 3),
            ("startsecs", "startsec", 1),
        ] {
            assert_eq!(distance(a, b), d, "{a} {b}");
            assert_eq!(distance(b, a), d, "{b} {a}");
        }
    }

    #[test]
    fn the_closest_name_or_none() {
        let keys = [
            "command",
            "user",
            "autostart",
            "autorestart",
            "stopsignal",
            "stop-signal-x",
        ];
        assert_eq!(closest("comand", keys), Some("command"));
        assert_eq!(closest("Command", keys), Some("command"));
        assert_eq!(closest("autorestrat", keys), Some("autorestart"));
        assert_eq!(closest("autostrt", keys), Some("autostart"));
        assert_eq!(closest("usr", keys), Some("user"));
        assert_eq!(closest("colour", keys), None);
        assert_eq!(closest("x", keys), None);
        assert_eq!(
            closest("stop_signal", ["stopsignal", "stop-signal"]),
            Some("stop-signal")
        );
        assert_eq!(closest("", keys), None);
        assert_eq!(closest(&"command".repeat(100_000), keys), None);
        assert_eq!(closest("commänd", keys), Some("command"));
    }

    #[test]
    fn serde_messages_rewritten() {
        assert_eq!(
            unknown_field(
                "unknown field `comand`, expected one of `service-name`, `command`, `user`"
            )
            .as_deref(),
            Some("unknown field `comand`; did you mean `command`?")
        );
        assert_eq!(
            unknown_field("unknown field `pth`, expected `path` or `sha256`").as_deref(),
            Some("unknown field `pth`; did you mean `path`?")
        );
        assert_eq!(
            unknown_field("unknown field `pth`, expected `path`").as_deref(),
            Some("unknown field `pth`; did you mean `path`?")
        );
        assert_eq!(
            unknown_field("unknown field `colour`, expected `path` or `sha256`"),
            None
        );
        assert_eq!(
            unknown_field("unknown field `a`, there are no fields"),
            None
        );
        assert_eq!(unknown_field("missing field `command`"), None);
    }
}
