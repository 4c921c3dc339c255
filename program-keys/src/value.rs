//! A key's value, whatever field of the record holds it.

use crate::types::{Autorestart, EnvVar, LogTarget, Signal};

/// The value of one key, typed by what the record field holds. [`Type`]
/// (crate::Type) says how to read, write and check it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Text: names, commands, paths, templates, handlers, sockets.
    Text(String),
    /// A whole number: counts, byte sizes, modes.
    Number(u64),
    /// A boolean.
    Bool(bool),
    /// A restart policy.
    Autorestart(Autorestart),
    /// A stop signal.
    Signal(Signal),
    /// Exit codes.
    Codes(Vec<u8>),
    /// Where a stream's log goes.
    Log(LogTarget),
    /// Environment variables.
    Env(Vec<EnvVar>),
    /// A list of text: watched paths, event types.
    List(Vec<String>),
}

impl Value {
    /// The text of a text value; empty for any other (which a text key's
    /// checks then refuse).
    pub fn text(&self) -> &str {
        match self {
            Value::Text(text) => text,
            _ => "",
        }
    }

    /// The number of a numeric value; 0 for any other.
    pub fn number(&self) -> u64 {
        match self {
            Value::Number(n) => *n,
            _ => 0,
        }
    }

    /// The items of a list value; none for any other.
    pub fn list(&self) -> &[String] {
        match self {
            Value::List(items) => items,
            _ => &[],
        }
    }
}

/// A record field that holds a key's value.
pub trait Slot: Sized {
    /// The field's value; `None` when unset or empty.
    fn value(&self) -> Option<Value>;
    /// The field holding `value`; a value of another shape (which the
    /// table's types rule out) leaves it unset.
    fn from_value(value: Value) -> Self;
}

impl Slot for String {
    fn value(&self) -> Option<Value> {
        Some(Value::Text(self.clone()))
    }
    fn from_value(value: Value) -> Self {
        match value {
            Value::Text(text) => text,
            _ => String::new(),
        }
    }
}

/// Fields of one shape of [`Value`], as options.
macro_rules! option_slot {
    ($ty:ty, $variant:ident, |$v:ident| $to:expr, $from:expr) => {
        impl Slot for Option<$ty> {
            fn value(&self) -> Option<Value> {
                self.clone().map(|$v| Value::$variant($to))
            }
            fn from_value(value: Value) -> Self {
                match value {
                    Value::$variant($v) => $from,
                    _ => None,
                }
            }
        }
    };
}

option_slot!(String, Text, |v| v, Some(v));
option_slot!(u32, Number, |v| u64::from(v), u32::try_from(v).ok());
option_slot!(u64, Number, |v| v, Some(v));
option_slot!(bool, Bool, |v| v, Some(v));
option_slot!(Autorestart, Autorestart, |v| v, Some(v));
option_slot!(Signal, Signal, |v| v, Some(v));
option_slot!(LogTarget, Log, |v| v, Some(v));

/// List fields: empty is unset.
macro_rules! list_slot {
    ($ty:ty, $variant:ident) => {
        impl Slot for Vec<$ty> {
            fn value(&self) -> Option<Value> {
                (!self.is_empty()).then(|| Value::$variant(self.clone()))
            }
            fn from_value(value: Value) -> Self {
                match value {
                    Value::$variant(list) => list,
                    _ => Vec::new(),
                }
            }
        }
    };
}

list_slot!(u8, Codes);
list_slot!(String, List);
list_slot!(EnvVar, Env);
