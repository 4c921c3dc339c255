//! Value types people write in JSON settings and supervisord reads in its
//! INI files: byte sizes (`50MB`), octal modes (`"022"`), log levels.

use std::fmt;

use serde::{Deserialize, Deserializer, de};

/// A byte count written as an integer or with supervisord's 1024-based
/// suffixes `KB`, `MB`, `GB` (case-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// Parses `50MB`, `10kb`, `0`, `1024`.
    pub fn parse(text: &str) -> Result<ByteSize, String> {
        let lower = text.trim().to_ascii_lowercase();
        let (digits, multiplier) = match lower.len().checked_sub(2).map(|i| lower.split_at(i)) {
            Some((digits, "kb")) => (digits, 1u64 << 10),
            Some((digits, "mb")) => (digits, 1 << 20),
            Some((digits, "gb")) => (digits, 1 << 30),
            _ => (lower.as_str(), 1),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "{text:?} is not a byte size: write a whole number, optionally followed by KB, MB or GB"
            ));
        }
        digits
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(multiplier))
            .map(ByteSize)
            .ok_or_else(|| format!("{text:?} is too large"))
    }
}

impl fmt::Display for ByteSize {
    /// The largest unit that divides the count exactly, so `52428800` is
    /// written `50MB` and reads back to the same number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        for (unit, size) in [("GB", 1u64 << 30), ("MB", 1 << 20), ("KB", 1 << 10)] {
            if n != 0 && n.is_multiple_of(size) {
                return write!(f, "{}{unit}", n / size);
            }
        }
        write!(f, "{n}")
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(deserializer)
            .map_err(|_| de::Error::custom("expected a byte size such as 50MB or 1024"))?
        {
            Raw::Number(n) => Ok(ByteSize(n)),
            Raw::Text(text) => ByteSize::parse(&text).map_err(de::Error::custom),
        }
    }
}

/// Permission bits or a umask, written in JSON as an octal string (`"022"`,
/// `"0o755"`) because JSON has no octal numbers and a decimal `22` would be
/// silently wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Octal(pub u32);

impl Octal {
    /// Parses `022`, `0o022`, `755`.
    pub fn parse(text: &str) -> Result<Octal, String> {
        let digits = text.strip_prefix("0o").unwrap_or(text);
        match u32::from_str_radix(digits, 8) {
            Ok(n) if !digits.is_empty() && n <= 0o7777 => Ok(Octal(n)),
            _ => Err(format!(
                "{text:?} is not an octal mode: write 1 to 4 octal digits such as \"022\" or \"0755\""
            )),
        }
    }
}

impl fmt::Display for Octal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03o}", self.0)
    }
}

impl<'de> Deserialize<'de> for Octal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer).map_err(|_| {
            de::Error::custom(
                "expected an octal string such as \"022\" (a JSON number would be read as decimal)",
            )
        })?;
        Octal::parse(&text).map_err(de::Error::custom)
    }
}

/// supervisord's log levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// `critical`.
    Critical,
    /// `error`.
    Error,
    /// `warn`.
    Warn,
    /// `info`.
    Info,
    /// `debug`.
    Debug,
    /// `trace`.
    Trace,
    /// `blather`.
    Blather,
}

impl LogLevel {
    /// The spelling supervisord reads.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Critical => "critical",
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
            LogLevel::Blather => "blather",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes_parse_and_print_back_exactly() {
        for (text, bytes, printed) in [
            ("50MB", 50 << 20, "50MB"),
            ("10kb", 10 << 10, "10KB"),
            ("1GB", 1 << 30, "1GB"),
            ("0", 0, "0"),
            ("1500", 1500, "1500"),
            ("2048", 2048, "2KB"),
        ] {
            let size = ByteSize::parse(text).unwrap();
            assert_eq!(size.0, bytes, "{text}");
            assert_eq!(size.to_string(), printed, "{text}");
            assert_eq!(ByteSize::parse(printed).unwrap(), size);
        }
        for bad in ["", "MB", "-1", "1.5MB", "10TB", "99999999999999999999GB"] {
            assert!(ByteSize::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn octal_modes_parse_only_octal_digits() {
        assert_eq!(Octal::parse("022").unwrap().0, 0o22);
        assert_eq!(Octal::parse("0o755").unwrap().0, 0o755);
        assert_eq!(Octal(0o22).to_string(), "022");
        for bad in ["", "8", "0x12", "77777", "rw"] {
            assert!(Octal::parse(bad).is_err(), "{bad}");
        }
    }
}
