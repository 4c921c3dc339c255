//! Fills `@NAME@` holes in the embedded shell templates. Only the template
//! is scanned, so a value that happens to contain `@PATHS@` stays a value.

/// `template` with every `@NAME@` replaced by `value(NAME)`; a name the
/// callback does not know is a bug in the template, so it panics.
pub fn fill(template: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    while let Some(start) = rest.find('@') {
        let after = &rest[start + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('@') {
            let name = &after[..name_len];
            out.push_str(&rest[..start]);
            out.push_str(
                &value(name).unwrap_or_else(|| panic!("the template has an unknown hole @{name}@")),
            );
            rest = &after[name_len + 1..];
        } else {
            out.push_str(&rest[..=start]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn holes_are_filled_once_and_values_are_not_rescanned() {
        let out = fill("a @X@ b @Y@ user@host @ @", |name| match name {
            "X" => Some("@Y@".into()),
            "Y" => Some("y".into()),
            _ => None,
        });
        assert_eq!(out, "a @Y@ b y user@host @ @");
    }
}
