//! Just enough XML-RPC to read supervisord's answers to
//! `supervisor.reloadConfig`, `supervisor.getAllProcessInfo` and the log
//! tails: values of type string, int, boolean, array and struct.

use std::collections::BTreeMap;

/// An XML-RPC value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `<string>` (or untyped text).
    Str(String),
    /// `<int>` / `<i4>`.
    Int(i64),
    /// `<boolean>`.
    Bool(bool),
    /// `<array>`.
    Array(Vec<Value>),
    /// `<struct>`.
    Struct(BTreeMap<String, Value>),
}

impl Value {
    /// The string, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The items, if it is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// A struct member.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Struct(members) => members.get(key),
            _ => None,
        }
    }

    /// The integer, if it is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }
}

/// The single value of a `<methodResponse>`; `None` for faults and
/// anything unreadable.
pub fn response(xml: &str) -> Option<Value> {
    if xml.contains("<fault>") {
        return None;
    }
    let start = xml.find("<params>")?;
    let mut parser = Parser {
        rest: &xml[start + "<params>".len()..],
    };
    parser.expect("<param>")?;
    parser.value()
}

struct Parser<'a> {
    rest: &'a str,
}

impl<'a> Parser<'a> {
    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn expect(&mut self, tag: &str) -> Option<()> {
        self.skip_space();
        self.rest = self.rest.strip_prefix(tag)?;
        Some(())
    }

    fn text_until(&mut self, end: &str) -> Option<&'a str> {
        let at = self.rest.find(end)?;
        let text = &self.rest[..at];
        self.rest = &self.rest[at + end.len()..];
        Some(text)
    }

    fn value(&mut self) -> Option<Value> {
        self.expect("<value>")?;
        // Untyped text is a string.
        if !self.rest.trim_start().starts_with('<') || self.rest.starts_with("</value>") {
            let text = self.text_until("</value>")?;
            return Some(Value::Str(unescape(text)));
        }
        self.skip_space();
        let value = if self.rest.starts_with("<string/>") {
            self.rest = &self.rest["<string/>".len()..];
            Value::Str(String::new())
        } else if self.rest.starts_with("<string>") {
            self.expect("<string>")?;
            Value::Str(unescape(self.text_until("</string>")?))
        } else if self.rest.starts_with("<int>") || self.rest.starts_with("<i4>") {
            let close = if self.rest.starts_with("<int>") {
                "</int>"
            } else {
                "</i4>"
            };
            self.rest = &self.rest[close.len() - 1..];
            Value::Int(self.text_until(close)?.trim().parse().ok()?)
        } else if self.rest.starts_with("<boolean>") {
            self.expect("<boolean>")?;
            Value::Bool(self.text_until("</boolean>")?.trim() == "1")
        } else if self.rest.starts_with("<array>") {
            self.expect("<array>")?;
            self.skip_space();
            let mut items = Vec::new();
            if self.rest.starts_with("<data/>") {
                self.rest = &self.rest["<data/>".len()..];
            } else {
                self.expect("<data>")?;
                loop {
                    self.skip_space();
                    if self.rest.starts_with("</data>") {
                        self.expect("</data>")?;
                        break;
                    }
                    items.push(self.value()?);
                }
            }
            self.expect("</array>")?;
            Value::Array(items)
        } else if self.rest.starts_with("<struct>") {
            self.expect("<struct>")?;
            let mut members = BTreeMap::new();
            loop {
                self.skip_space();
                if self.rest.starts_with("</struct>") {
                    self.expect("</struct>")?;
                    break;
                }
                self.expect("<member>")?;
                self.expect("<name>")?;
                let name = unescape(self.text_until("</name>")?);
                let value = self.value()?;
                self.expect("</member>")?;
                members.insert(name, value);
            }
            Value::Struct(members)
        } else {
            // Types supervisord does not send to us (double, dateTime,
            // base64) are read as their text.
            let open_end = self.rest.find('>')?;
            let tag = self.rest[1..open_end].to_string();
            self.rest = &self.rest[open_end + 1..];
            Value::Str(unescape(self.text_until(&format!("</{tag}>"))?))
        };
        self.expect("</value>")?;
        Some(value)
    }
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#10;", "\n")
        .replace("&#13;", "\r")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reload_config_and_process_info_parse() {
        let reload = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n<value><array><data>\n<value><array><data>\n<value><string>web</string></value>\n</data></array></value>\n<value><array><data>\n</data></array></value>\n<value><array><data>\n<value><string>old&amp;gone</string></value>\n</data></array></value>\n</data></array></value>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n";
        let value = response(reload).unwrap();
        let lists = value.as_array().unwrap()[0].as_array().unwrap();
        assert_eq!(lists[0].as_array().unwrap()[0].as_str(), Some("web"));
        assert!(lists[1].as_array().unwrap().is_empty());
        assert_eq!(lists[2].as_array().unwrap()[0].as_str(), Some("old&gone"));

        let info = "<methodResponse><params><param><value><array><data><value><struct><member><name>name</name><value><string>a</string></value></member><member><name>group</name><value><string>a</string></value></member><member><name>pid</name><value><int>42</int></value></member><member><name>statename</name><value><string>RUNNING</string></value></member><member><name>description</name><value>pid 42</value></member></struct></value></data></array></value></param></params></methodResponse>";
        let value = response(info).unwrap();
        let process = &value.as_array().unwrap()[0];
        assert_eq!(
            process.get("statename").and_then(Value::as_str),
            Some("RUNNING")
        );
        assert_eq!(process.get("pid").and_then(Value::as_int), Some(42));
        assert_eq!(
            process.get("description").and_then(Value::as_str),
            Some("pid 42")
        );

        assert_eq!(
            response(
                "<methodResponse><fault><value><struct></struct></value></fault></methodResponse>"
            ),
            None
        );
    }
}
