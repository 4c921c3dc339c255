//! The canonical JSON form of component values, shared by the Rust, JS and
//! Python hosts so their results can be compared byte for byte:
//!
//! - record: an object keyed by WIT field names (kebab-case);
//! - variant and result: `{"tag": case, "val": payload}` (`val` omitted
//!   without payload);
//! - enum: the case name; option: `null` or the value;
//! - list: an array; integers: numbers; strings: strings;
//! - keys sorted, no whitespace (serde_json's map is a BTreeMap).

use serde_json::{Map, Value as Json};
use wasmtime::component::{Type, Val};

/// A value that does not fit its WIT type.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct CanonicalError {
    /// Where in the value.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

fn error(path: &str, message: impl Into<String>) -> CanonicalError {
    CanonicalError {
        path: if path.is_empty() {
            "value".into()
        } else {
            path.to_string()
        },
        message: message.into(),
    }
}

/// Canonical JSON of a component value.
pub fn to_json(value: &Val) -> Json {
    match value {
        Val::Bool(b) => Json::Bool(*b),
        Val::S8(n) => Json::from(*n),
        Val::U8(n) => Json::from(*n),
        Val::S16(n) => Json::from(*n),
        Val::U16(n) => Json::from(*n),
        Val::S32(n) => Json::from(*n),
        Val::U32(n) => Json::from(*n),
        Val::S64(n) => Json::from(*n),
        Val::U64(n) => Json::from(*n),
        Val::Float32(f) => {
            serde_json::Number::from_f64(f64::from(*f)).map_or(Json::Null, Json::Number)
        }
        Val::Float64(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Val::Char(c) => Json::String(c.to_string()),
        Val::String(s) => Json::String(s.clone()),
        Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => {
            Json::Array(items.iter().map(to_json).collect())
        }
        Val::Record(fields) => Json::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect(),
        ),
        Val::Variant(case, payload) => tagged(case, payload.as_deref()),
        Val::Enum(case) => Json::String(case.clone()),
        Val::Option(None) => Json::Null,
        Val::Option(Some(v)) => to_json(v),
        Val::Result(Ok(v)) => tagged("ok", v.as_deref()),
        Val::Result(Err(v)) => tagged("err", v.as_deref()),
        Val::Flags(names) => Json::Array(names.iter().cloned().map(Json::String).collect()),
        Val::Map(pairs) => Json::Array(
            pairs
                .iter()
                .map(|(k, v)| Json::Array(vec![to_json(k), to_json(v)]))
                .collect(),
        ),
        Val::Resource(_) | Val::Future(_) | Val::Stream(_) | Val::ErrorContext(_) => Json::Null,
    }
}

fn tagged(tag: &str, payload: Option<&Val>) -> Json {
    let mut object = Map::new();
    object.insert("tag".into(), Json::String(tag.into()));
    if let Some(payload) = payload {
        object.insert("val".into(), to_json(payload));
    }
    Json::Object(object)
}

/// A component value of type `ty` from canonical JSON.
pub fn from_json(json: &Json, ty: &Type, path: &str) -> Result<Val, CanonicalError> {
    let int = |json: &Json| {
        json.as_i64()
            .ok_or_else(|| error(path, "expected an integer"))
    };
    let uint = |json: &Json| {
        json.as_u64()
            .ok_or_else(|| error(path, "expected a non-negative integer"))
    };
    let narrow = |n: i64| error(path, format!("{n} is out of range"));
    Ok(match ty {
        Type::Bool => Val::Bool(
            json.as_bool()
                .ok_or_else(|| error(path, "expected a boolean"))?,
        ),
        Type::S8 => Val::S8(
            int(json)?
                .try_into()
                .map_err(|_| narrow(int(json).unwrap_or(0)))?,
        ),
        Type::U8 => Val::U8(
            uint(json)?
                .try_into()
                .map_err(|_| error(path, "out of range for u8"))?,
        ),
        Type::S16 => Val::S16(
            int(json)?
                .try_into()
                .map_err(|_| error(path, "out of range for s16"))?,
        ),
        Type::U16 => Val::U16(
            uint(json)?
                .try_into()
                .map_err(|_| error(path, "out of range for u16"))?,
        ),
        Type::S32 => Val::S32(
            int(json)?
                .try_into()
                .map_err(|_| error(path, "out of range for s32"))?,
        ),
        Type::U32 => Val::U32(
            uint(json)?
                .try_into()
                .map_err(|_| error(path, "out of range for u32"))?,
        ),
        Type::S64 => Val::S64(int(json)?),
        Type::U64 => Val::U64(uint(json)?),
        Type::Float32 => Val::Float32(
            json.as_f64()
                .ok_or_else(|| error(path, "expected a number"))? as f32,
        ),
        Type::Float64 => Val::Float64(
            json.as_f64()
                .ok_or_else(|| error(path, "expected a number"))?,
        ),
        Type::Char => {
            let s = json
                .as_str()
                .ok_or_else(|| error(path, "expected a one-character string"))?;
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Val::Char(c),
                _ => return Err(error(path, "expected a one-character string")),
            }
        }
        Type::String => Val::String(
            json.as_str()
                .ok_or_else(|| error(path, "expected a string"))?
                .to_string(),
        ),
        Type::List(list) => list_from_json(json, list, path)?,
        Type::Record(record) => record_from_json(json, record, path)?,
        Type::Tuple(tuple) => tuple_from_json(json, tuple, path)?,
        Type::Variant(variant) => variant_from_json(json, variant, path)?,
        Type::Enum(cases) => enum_from_json(json, cases, path)?,
        Type::Option(option) => match json {
            Json::Null => Val::Option(None),
            value => Val::Option(Some(Box::new(from_json(value, &option.ty(), path)?))),
        },
        Type::Result(result) => result_from_json(json, result, path)?,
        Type::Flags(flags) => flags_from_json(json, flags, path)?,
        _ => {
            return Err(error(
                path,
                "this host does not pass resources, maps, streams or futures",
            ));
        }
    })
}

/// A list: an array of its element type.
fn list_from_json(
    json: &Json,
    list: &wasmtime::component::types::List,
    path: &str,
) -> Result<Val, CanonicalError> {
    let items = json
        .as_array()
        .ok_or_else(|| error(path, "expected an array"))?;
    let element = list.ty();
    Ok(Val::List(
        items
            .iter()
            .enumerate()
            .map(|(i, item)| from_json(item, &element, &format!("{path}[{i}]")))
            .collect::<Result<_, _>>()?,
    ))
}

/// A record: an object with its fields and no others (a missing one is null).
fn record_from_json(
    json: &Json,
    record: &wasmtime::component::types::Record,
    path: &str,
) -> Result<Val, CanonicalError> {
    let object = json
        .as_object()
        .ok_or_else(|| error(path, "expected an object"))?;
    for key in object.keys() {
        if !record.fields().any(|f| f.name == key) {
            return Err(error(path, format!("unknown field {key:?}")));
        }
    }
    Ok(Val::Record(
        record
            .fields()
            .map(|field| {
                let value = object.get(field.name).unwrap_or(&Json::Null);
                Ok((
                    field.name.to_string(),
                    from_json(value, &field.ty, &format!("{path}.{}", field.name))?,
                ))
            })
            .collect::<Result<_, CanonicalError>>()?,
    ))
}

/// A tuple: an array of exactly its items.
fn tuple_from_json(
    json: &Json,
    tuple: &wasmtime::component::types::Tuple,
    path: &str,
) -> Result<Val, CanonicalError> {
    let items = json
        .as_array()
        .ok_or_else(|| error(path, "expected an array"))?;
    let types: Vec<Type> = tuple.types().collect();
    if items.len() != types.len() {
        return Err(error(path, format!("expected {} items", types.len())));
    }
    Ok(Val::Tuple(
        items
            .iter()
            .zip(&types)
            .enumerate()
            .map(|(i, (item, ty))| from_json(item, ty, &format!("{path}[{i}]")))
            .collect::<Result<_, _>>()?,
    ))
}

/// A variant: `{"tag", "val"}` with a case it has.
fn variant_from_json(
    json: &Json,
    variant: &wasmtime::component::types::Variant,
    path: &str,
) -> Result<Val, CanonicalError> {
    let (tag, payload) = tag_of(json, path)?;
    let case = variant
        .cases()
        .find(|c| c.name == tag)
        .ok_or_else(|| error(path, format!("unknown case {tag:?}")))?;
    let payload = match (&case.ty, payload) {
        (Some(ty), Some(value)) => Some(Box::new(from_json(value, ty, &format!("{path}.{tag}"))?)),
        (None, None) => None,
        (Some(_), None) => return Err(error(path, format!("case {tag:?} needs a val"))),
        (None, Some(_)) => return Err(error(path, format!("case {tag:?} takes no val"))),
    };
    Ok(Val::Variant(tag.to_string(), payload))
}

/// An enum: the name of a case it has.
fn enum_from_json(
    json: &Json,
    cases: &wasmtime::component::types::Enum,
    path: &str,
) -> Result<Val, CanonicalError> {
    let name = json
        .as_str()
        .ok_or_else(|| error(path, "expected an enum case name"))?;
    if !cases.names().any(|n| n == name) {
        return Err(error(path, format!("unknown case {name:?}")));
    }
    Ok(Val::Enum(name.to_string()))
}

/// A result: `{"tag": "ok" | "err", "val"}`.
fn result_from_json(
    json: &Json,
    result: &wasmtime::component::types::ResultType,
    path: &str,
) -> Result<Val, CanonicalError> {
    let (tag, payload) = tag_of(json, path)?;
    let ty = match tag {
        "ok" => result.ok(),
        "err" => result.err(),
        other => return Err(error(path, format!("a result is ok or err, not {other:?}"))),
    };
    let payload = match (ty, payload) {
        (Some(ty), Some(value)) => Some(Box::new(from_json(value, &ty, path)?)),
        _ => None,
    };
    Ok(Val::Result(if tag == "ok" {
        Ok(payload)
    } else {
        Err(payload)
    }))
}

/// Flags: an array of flag names.
fn flags_from_json(
    json: &Json,
    _flags: &wasmtime::component::types::Flags,
    path: &str,
) -> Result<Val, CanonicalError> {
    let names = json
        .as_array()
        .ok_or_else(|| error(path, "expected an array of flag names"))?;
    Ok(Val::Flags(
        names
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect(),
    ))
}

fn tag_of<'a>(json: &'a Json, path: &str) -> Result<(&'a str, Option<&'a Json>), CanonicalError> {
    let object = json
        .as_object()
        .ok_or_else(|| error(path, "expected {\"tag\": ..., \"val\": ...}"))?;
    let tag = object
        .get("tag")
        .and_then(Json::as_str)
        .ok_or_else(|| error(path, "missing tag"))?;
    Ok((tag, object.get("val")))
}

/// Canonical JSON text: keys sorted at every level, no whitespace, as the
/// JS and Python hosts print it.
pub fn to_string(json: &Json) -> String {
    fn sorted(json: &Json) -> Json {
        match json {
            Json::Object(object) => {
                let mut keys: Vec<&String> = object.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for key in keys {
                    out.insert(key.clone(), sorted(&object[key]));
                }
                Json::Object(out)
            }
            Json::Array(items) => Json::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    // With serde_json's preserve_order feature a Map keeps insertion order,
    // so sorting before inserting is what makes the text canonical.
    serde_json::to_string(&sorted(json)).expect("JSON values always serialize")
}
