//! The WIT package's reference documentation, rendered from its `///`
//! comments (`wit/README.md`), and the check that every item has one.

use std::fmt::Write;
use std::path::Path;

use wit_parser::{Docs, Resolve, Type, TypeDefKind, TypeId};

/// The header of the generated file.
const HEADER: &str = "<!-- Generated from the /// comments of wit/*.wit by \
`cargo run -p component-build --features cli -- --wit-docs`; do not edit. -->\n\n";

/// Loads the package in `wit_dir`.
fn load(wit_dir: &Path) -> Result<(Resolve, wit_parser::PackageId), String> {
    let mut resolve = Resolve::default();
    let (package, _) = resolve.push_dir(wit_dir).map_err(|e| format!("{e:#}"))?;
    Ok((resolve, package))
}

fn text(docs: &Docs) -> String {
    docs.contents.clone().unwrap_or_default().trim().to_string()
}

/// Items without a doc comment, by path (`plan.file.mode`).
pub fn undocumented(wit_dir: &Path) -> Result<Vec<String>, String> {
    let (resolve, package) = load(wit_dir)?;
    let package = &resolve.packages[package];
    let mut missing = Vec::new();
    let mut check = |path: String, docs: &Docs| {
        if text(docs).is_empty() {
            missing.push(path);
        }
    };
    for (name, id) in &package.interfaces {
        let interface = &resolve.interfaces[*id];
        check(name.clone(), &interface.docs);
        for (type_name, ty) in &interface.types {
            let def = &resolve.types[*ty];
            // `use` re-exports are documented where they are defined.
            if matches!(def.kind, TypeDefKind::Type(_)) {
                continue;
            }
            let path = format!("{name}.{type_name}");
            check(path.clone(), &def.docs);
            match &def.kind {
                TypeDefKind::Record(r) => r
                    .fields
                    .iter()
                    .for_each(|f| check(format!("{path}.{}", f.name), &f.docs)),
                TypeDefKind::Variant(v) => v
                    .cases
                    .iter()
                    .for_each(|c| check(format!("{path}.{}", c.name), &c.docs)),
                TypeDefKind::Enum(e) => e
                    .cases
                    .iter()
                    .for_each(|c| check(format!("{path}.{}", c.name), &c.docs)),
                _ => {}
            }
        }
        for (function, f) in &interface.functions {
            check(format!("{name}.{function}"), &f.docs);
        }
    }
    for (name, id) in &package.worlds {
        check(format!("world {name}"), &resolve.worlds[*id].docs);
    }
    Ok(missing)
}

fn type_name(resolve: &Resolve, ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::U8 => "u8".into(),
        Type::U16 => "u16".into(),
        Type::U32 => "u32".into(),
        Type::U64 => "u64".into(),
        Type::S8 => "s8".into(),
        Type::S16 => "s16".into(),
        Type::S32 => "s32".into(),
        Type::S64 => "s64".into(),
        Type::F32 => "f32".into(),
        Type::F64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::ErrorContext => "error-context".into(),
        Type::Id(id) => id_name(resolve, *id),
    }
}

fn id_name(resolve: &Resolve, id: TypeId) -> String {
    let def = &resolve.types[id];
    if let Some(name) = &def.name {
        return name.clone();
    }
    match &def.kind {
        TypeDefKind::Option(t) => format!("option<{}>", type_name(resolve, t)),
        TypeDefKind::List(t) => format!("list<{}>", type_name(resolve, t)),
        TypeDefKind::Tuple(t) => format!(
            "tuple<{}>",
            t.types
                .iter()
                .map(|t| type_name(resolve, t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeDefKind::Result(r) => {
            let side = |t: &Option<Type>| {
                t.as_ref()
                    .map_or("_".to_string(), |t| type_name(resolve, t))
            };
            format!("result<{}, {}>", side(&r.ok), side(&r.err))
        }
        TypeDefKind::Type(t) => type_name(resolve, t),
        _ => "?".into(),
    }
}

fn cell(text: &str) -> String {
    text.replace('\n', " ").replace('|', "\\|")
}

/// The reference, as Markdown.
pub fn reference(wit_dir: &Path) -> Result<String, String> {
    let (resolve, package_id) = load(wit_dir)?;
    let package = &resolve.packages[package_id];
    let mut out = String::from(HEADER);
    let _ = writeln!(out, "# `{}` reference\n", package.name);
    let _ = writeln!(
        out,
        "Interfaces: {}. Worlds: {}.\n",
        package
            .interfaces
            .keys()
            .map(|k| format!("[`{k}`](#interface-{k})"))
            .collect::<Vec<_>>()
            .join(", "),
        package
            .worlds
            .keys()
            .map(|k| format!("[`{k}`](#world-{k})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (name, id) in &package.worlds {
        let world = &resolve.worlds[*id];
        let _ = writeln!(out, "## world {name}\n\n{}\n", text(&world.docs));
        for (key, _) in &world.exports {
            let _ = writeln!(out, "- exports `{}`", resolve.name_world_key(key));
        }
        out.push('\n');
    }
    for (name, id) in &package.interfaces {
        let interface = &resolve.interfaces[*id];
        let _ = writeln!(out, "## interface {name}\n\n{}\n", text(&interface.docs));
        for (function, f) in &interface.functions {
            let params: Vec<String> = f
                .params
                .iter()
                .map(|p| format!("{}: {}", p.name, type_name(&resolve, &p.ty)))
                .collect();
            let result = f
                .result
                .as_ref()
                .map(|t| format!(" -> {}", type_name(&resolve, t)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "### `{function}: func({}){result}`\n\n{}\n",
                params.join(", "),
                text(&f.docs)
            );
        }
        for (type_name_, ty) in &interface.types {
            let def = &resolve.types[*ty];
            let (kind, rows): (&str, Vec<(String, String, String)>) = match &def.kind {
                TypeDefKind::Type(_) => continue,
                TypeDefKind::Record(r) => (
                    "record",
                    r.fields
                        .iter()
                        .map(|f| {
                            (
                                f.name.clone(),
                                format!("`{}`", type_name(&resolve, &f.ty)),
                                text(&f.docs),
                            )
                        })
                        .collect(),
                ),
                TypeDefKind::Variant(v) => (
                    "variant",
                    v.cases
                        .iter()
                        .map(|c| {
                            (
                                c.name.clone(),
                                c.ty.as_ref()
                                    .map(|t| format!("`{}`", type_name(&resolve, t)))
                                    .unwrap_or_default(),
                                text(&c.docs),
                            )
                        })
                        .collect(),
                ),
                TypeDefKind::Enum(e) => (
                    "enum",
                    e.cases
                        .iter()
                        .map(|c| (c.name.clone(), String::new(), text(&c.docs)))
                        .collect(),
                ),
                _ => ("type", Vec::new()),
            };
            let _ = writeln!(out, "### {kind} `{type_name_}`\n\n{}\n", text(&def.docs));
            if !rows.is_empty() {
                let _ = writeln!(
                    out,
                    "| {} | type | |\n|---|---|---|",
                    if kind == "record" { "field" } else { "case" }
                );
                for (item, ty, docs) in rows {
                    let _ = writeln!(out, "| `{item}` | {ty} | {} |", cell(&docs));
                }
                out.push('\n');
            }
        }
    }
    Ok(out)
}
