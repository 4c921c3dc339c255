//! `docs/program-keys.md`, generated from the table.

use crate::{KEYS, Type};

/// How the form spells a value of this type, for the reference.
fn spelling(ty: Type) -> &'static str {
    match ty {
        Type::Name => "name",
        Type::Literal => "text",
        Type::Path => "absolute path",
        Type::Account => "user name",
        Type::Template => "template",
        Type::Count => "integer",
        Type::Positive => "integer ≥ 1",
        Type::Bytes => "`1024` or `\"50MB\"`",
        Type::Mode => "octal string `\"022\"`",
        Type::Bool => "`true` / `false`",
        Type::Autorestart => "`true` / `false` / `\"unexpected\"`",
        Type::Signal => "`\"TERM\"`, `\"HUP\"`, …",
        Type::ExitCodes => "`0` or `[0, 2]`",
        Type::LogTarget => "`\"AUTO\"`, `\"NONE\"` or absolute path",
        Type::Environment => "table of text",
        Type::Watch => "list of absolute paths",
        Type::Events => "list of event types",
        Type::Handler => "`\"module:callable\"`",
        Type::Socket => "`\"tcp://host:port\"` or `\"unix:///path\"`",
        Type::SocketOwner => "`\"user\"` or `\"user:group\"`",
    }
}

/// The key reference in Markdown.
pub fn reference() -> String {
    let mut text = String::from(
        "<!-- Generated from program-keys/src/defs.rs; `UPDATE_GOLDEN=1 cargo test -p program-keys` rewrites it. Do not edit. -->\n\n\
         # Program keys\n\n\
         The keys of the `generic` facility's form, which is also what a facility's\n\
         `config-map` returns. Each becomes the supervisord key beside it; a key\n\
         left out keeps supervisord's default. `kind` (`\"program\"`, the default,\n\
         `\"eventlistener\"` or `\"fcgi-program\"`) picks the section, and the keys\n\
         marked with a kind belong to that kind only.\n\n\
         | key | supervisord | value | |\n|---|---|---|---|\n",
    );
    for key in KEYS {
        let ini = key.ini.map_or("–".to_string(), |ini| format!("`{ini}`"));
        let mut notes = Vec::new();
        if key.required {
            notes.push("required".to_string());
        }
        if let Some(kind) = key.section.form_kind() {
            notes.push(format!("`kind = \"{kind}\"`"));
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join(", "))
        };
        text.push_str(&format!(
            "| `{}` | {ini} | {} | {}{notes} |\n",
            key.form,
            spelling(key.ty),
            key.doc
        ));
    }
    text
}
