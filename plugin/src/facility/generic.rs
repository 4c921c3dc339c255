//! The built-in `generic` facility: a service described directly with
//! supervisord's program keys, in kebab-case JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, de};

use program_keys::{Section, Type, Value as KeyValue};
use serde_json::Value;

use crate::bindings::{
    Autorestart, EnvVar, Error, ErrorKind, EventListener, FcgiProgram, LogTarget, Program,
    ProgramKind, Signal,
};
use crate::error::{at, from_value, invalid, parse_json};
use crate::values::{ByteSize, Octal};

/// The section kind a generic service becomes.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Kind {
    /// `[program:x]`.
    #[default]
    Program,
    /// `[eventlistener:x]`.
    Eventlistener,
    /// `[fcgi-program:x]`.
    FcgiProgram,
}

impl Kind {
    /// The record's kind, with nothing of its own set yet.
    fn blank(self) -> ProgramKind {
        match self {
            Kind::Program => ProgramKind::Process,
            Kind::Eventlistener => ProgramKind::EventListener(EventListener {
                events: Vec::new(),
                buffer_size: None,
                result_handler: None,
            }),
            Kind::FcgiProgram => ProgramKind::FcgiProgram(FcgiProgram {
                socket: String::new(),
                socket_backlog: None,
                socket_owner: None,
                socket_mode: None,
            }),
        }
    }
}

/// The form's keys in the order written. A key written twice is refused
/// (a JSON map would keep the last one silently).
struct Form(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Form {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> de::Visitor<'de> for Keys {
            type Value = Form;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of program keys")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Form, A::Error> {
                let mut keys: Vec<(String, Value)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if keys.iter().any(|(seen, _)| *seen == key) {
                        return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
                    }
                    let value = map.next_value()?;
                    keys.push((key, value));
                }
                Ok(Form(keys))
            }
        }
        d.deserialize_map(Keys)
    }
}

/// The form's own key besides the program keys: the section kind.
const KIND: &str = "kind";

/// Maps `generic` settings to a program: each key read by the type its
/// definition in `program-keys` gives it.
pub fn config_map(settings: &str) -> Result<Program, Error> {
    let Form(form) = parse_json("settings", settings)?;
    let kind: Kind = match form.iter().find(|(key, _)| key == KIND) {
        Some((_, kind)) => from_value(&format!("settings.{KIND}"), kind.clone())?,
        None => Kind::default(),
    };
    let mut program = program_keys::blank(String::new(), String::new(), kind.blank());
    for (form_key, json) in form {
        if form_key == KIND {
            continue;
        }
        let field = format!("settings.{form_key}");
        let key = program_keys::by_form(&form_key).ok_or_else(|| unknown_key(&field, &form_key))?;
        if !key.section.applies(&program.kind) {
            let kind = key.section.form_kind().unwrap_or_default();
            return Err(invalid(field, format!("belongs to kind = \"{kind}\" only")));
        }
        if let Some(value) = read(key.ty, &field, json)? {
            (key.set)(&mut program, value);
        }
    }
    for key in program_keys::KEYS {
        if key.required && key.section == Section::Any && (key.get)(&program).is_none_or(is_blank) {
            return Err(at(
                format!("settings.{}", key.form),
                ErrorKind::MissingField,
                format!("missing field `{}`", key.form),
            ));
        }
    }
    Ok(program)
}

/// Whether a required text was left out (the blank program's placeholder).
fn is_blank(value: program_keys::Value) -> bool {
    value == program_keys::Value::Text(String::new())
}

/// A key the form does not have: the closest one suggested, or all of them.
fn unknown_key(field: &str, form_key: &str) -> Error {
    let expected: Vec<String> = std::iter::once(KIND)
        .chain(program_keys::KEYS.iter().map(|k| k.form))
        .map(|k| format!("`{k}`"))
        .collect();
    let message = format!(
        "unknown field `{form_key}`, expected one of {}",
        expected.join(", ")
    );
    let message = did_you_mean::unknown_field(&message).unwrap_or(message);
    at(field, ErrorKind::UnknownField, message)
}

/// One value of the form, read as its key's type; `None` for a `null`
/// where the type allows leaving the key out.
fn read(ty: Type, field: &str, json: Value) -> Result<Option<KeyValue>, Error> {
    Ok(match ty {
        Type::Name
        | Type::Literal
        | Type::Path
        | Type::Account
        | Type::Template
        | Type::Handler
        | Type::Socket
        | Type::SocketOwner => from_value::<Option<String>>(field, json)?.map(KeyValue::Text),
        Type::Count | Type::Positive => {
            from_value::<Option<u32>>(field, json)?.map(|n| KeyValue::Number(n.into()))
        }
        Type::Bytes => from_value::<Option<ByteSize>>(field, json)?.map(|b| KeyValue::Number(b.0)),
        Type::Mode => {
            from_value::<Option<Octal>>(field, json)?.map(|m| KeyValue::Number(m.0.into()))
        }
        Type::Bool => Some(KeyValue::Bool(from_value::<FlexibleBool>(field, json)?.0)),
        Type::Autorestart => Some(KeyValue::Autorestart(
            from_value::<FlexibleAutorestart>(field, json)?.0,
        )),
        Type::Signal => Some(KeyValue::Signal(from_value::<SignalName>(field, json)?.0)),
        Type::ExitCodes => Some(KeyValue::Codes(from_value::<ExitCodes>(field, json)?.0)),
        Type::LogTarget => Some(KeyValue::Log(from_value::<LogTargetText>(field, json)?.0)),
        Type::Environment => {
            let table: BTreeMap<String, String> = from_value(field, json)?;
            Some(KeyValue::Env(
                table
                    .into_iter()
                    .map(|(name, value)| EnvVar { name, value })
                    .collect(),
            ))
        }
        Type::Watch | Type::Events => Some(KeyValue::List(from_value(field, json)?)),
    })
}

/// `true`/`false`, or the strings supervisord accepts (`"true"`, `"yes"`,
/// `"on"`, `"1"` and their opposites): the seed wrote `"true"`.
fn flexible_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bool(bool),
        Text(String),
    }
    let raw = Raw::deserialize(d).map_err(|_| de::Error::custom("expected true or false"))?;
    match raw {
        Raw::Bool(b) => Ok(b),
        Raw::Text(text) => parse_bool(&text).ok_or_else(|| {
            de::Error::custom(format!("{text:?} is not a boolean; use true or false"))
        }),
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// `true`, `false` or `"unexpected"`.
fn flexible_autorestart<'de, D: Deserializer<'de>>(d: D) -> Result<Autorestart, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bool(bool),
        Text(String),
    }
    let expected = "expected true, false or \"unexpected\"";
    match Raw::deserialize(d).map_err(|_| de::Error::custom(expected))? {
        Raw::Bool(true) => Ok(Autorestart::Always),
        Raw::Bool(false) => Ok(Autorestart::Never),
        Raw::Text(text) if text.eq_ignore_ascii_case("unexpected") => Ok(Autorestart::Unexpected),
        Raw::Text(text) => match parse_bool(&text) {
            Some(true) => Ok(Autorestart::Always),
            Some(false) => Ok(Autorestart::Never),
            None => Err(de::Error::custom(format!("{text:?}: {expected}"))),
        },
    }
}

/// A list of exit codes 0-255, or one code.
fn exit_codes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        One(u8),
        Many(Vec<u8>),
    }
    match Raw::deserialize(d)
        .map_err(|_| de::Error::custom("expected exit codes 0-255, one or a list"))?
    {
        Raw::One(code) => Ok(vec![code]),
        Raw::Many(codes) => Ok(codes),
    }
}

/// A signal name: `TERM`, `SIGTERM` or `term`.
fn signal<'de, D: Deserializer<'de>>(d: D) -> Result<Signal, D::Error> {
    let text = String::deserialize(d)
        .map_err(|_| de::Error::custom("expected a signal name such as TERM"))?;
    let upper = text.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    let signal = match name {
        "TERM" => Signal::Term,
        "HUP" => Signal::Hup,
        "INT" => Signal::Int,
        "QUIT" => Signal::Quit,
        "KILL" => Signal::Kill,
        "USR1" => Signal::Usr1,
        "USR2" => Signal::Usr2,
        "CONT" => Signal::Cont,
        "STOP" => Signal::Stop,
        "WINCH" => Signal::Winch,
        _ => {
            return Err(de::Error::custom(format!(
                "{text:?} is not a signal supervisord sends: TERM, HUP, INT, QUIT, KILL, USR1, USR2, CONT, STOP, WINCH"
            )));
        }
    };
    Ok(signal)
}

/// `"AUTO"`, `"NONE"` or an absolute path.
fn log_target<'de, D: Deserializer<'de>>(d: D) -> Result<LogTarget, D::Error> {
    let text = String::deserialize(d)
        .map_err(|_| de::Error::custom("expected \"AUTO\", \"NONE\" or a path"))?;
    Ok(match text.to_ascii_uppercase().as_str() {
        "AUTO" => LogTarget::Auto,
        "NONE" | "OFF" => LogTarget::None,
        _ => LogTarget::Path(text),
    })
}

/// A value read by one of the functions above.
macro_rules! read_with {
    ($(#[$doc:meta] $name:ident($ty:ty) = $read:ident;)*) => {$(
        #[$doc]
        struct $name($ty);
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $read(d).map($name)
            }
        }
    )*};
}

read_with! {
    /// A boolean as supervisord spells it.
    FlexibleBool(bool) = flexible_bool;
    /// A restart policy.
    FlexibleAutorestart(Autorestart) = flexible_autorestart;
    /// One exit code or a list.
    ExitCodes(Vec<u8>) = exit_codes;
    /// A signal name.
    SignalName(Signal) = signal;
    /// A log file target.
    LogTargetText(LogTarget) = log_target;
}
