//! Node addresses as written in spec files and on the command line.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where a node is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// This machine: the whole of it (`local`), or a sandbox directory
    /// standing in for a node's root (`local:<dir>`), which needs no root.
    Local {
        /// The sandbox directory, absolute; `None` for the whole machine.
        root: Option<PathBuf>,
    },
    /// A machine reached with the system's OpenSSH client
    /// (`ssh://[user@]host[:port]`).
    Ssh {
        /// Login user; ssh's default when absent.
        user: Option<String>,
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
    },
}

impl Address {
    /// Parses an address; relative sandbox directories are taken relative
    /// to `base` (the spec file's directory).
    pub fn parse(text: &str, base: &Path) -> Result<Address, String> {
        if text == "local" {
            return Ok(Address::Local { root: None });
        }
        if let Some(dir) = text.strip_prefix("local:") {
            if dir.is_empty() {
                return Err("local: needs a directory after the colon".into());
            }
            return Ok(Address::Local {
                root: Some(absolute(&base.join(dir))?),
            });
        }
        if let Some(rest) = text.strip_prefix("ssh://") {
            let (user, host_port) = match rest.rsplit_once('@') {
                Some((user, host_port)) => (Some(user.to_string()), host_port),
                None => (None, rest),
            };
            let (host, port) = match host_port.rsplit_once(':') {
                Some((host, port)) => (
                    host,
                    port.parse::<u16>()
                        .ok()
                        .filter(|p| *p > 0)
                        .ok_or_else(|| format!("{port:?} is not a port"))?,
                ),
                None => (host_port, 22),
            };
            // Never option-shaped: ssh would read `-oProxyCommand=...` as
            // an option, whatever comes after it.
            let valid = |s: &str| {
                !s.is_empty()
                    && !s.starts_with('-')
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            };
            if !valid(host) {
                return Err(format!("{host:?} is not a host name"));
            }
            if let Some(user) = &user
                && !valid(user)
            {
                return Err(format!("{user:?} is not a user name"));
            }
            return Ok(Address::Ssh {
                user,
                host: host.to_string(),
                port,
            });
        }
        Err("a node is `local`, `local:<dir>` or `ssh://[user@]host[:port]`".into())
    }

    /// The built-in default node of a group: a sandbox directory
    /// `.supd/nodes/<group>` beside the spec file.
    pub fn default_node(base: &Path, group: &str) -> Address {
        let dir = base.join(".supd").join("nodes").join(group);
        Address::Local {
            root: Some(absolute(&dir).unwrap_or(dir)),
        }
    }

    /// The root every plan path lies under.
    pub fn root(&self) -> String {
        match self {
            Address::Local { root: Some(root) } => root.display().to_string(),
            _ => "/".to_string(),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Local { root: None } => write!(f, "local"),
            Address::Local { root: Some(root) } => write!(f, "local:{}", root.display()),
            Address::Ssh { user, host, port } => {
                write!(f, "ssh://")?;
                if let Some(user) = user {
                    write!(f, "{user}@")?;
                }
                write!(f, "{host}:{port}")
            }
        }
    }
}

fn absolute(path: &Path) -> Result<PathBuf, String> {
    let path = std::path::absolute(path).map_err(|e| e.to_string())?;
    // Normalise `.` and `..` so the root is a plain absolute path.
    let mut clean = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                clean.pop();
            }
            std::path::Component::CurDir => {}
            other => clean.push(other),
        }
    }
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse() {
        let base = Path::new("/srv/spec");
        assert_eq!(
            Address::parse("local", base),
            Ok(Address::Local { root: None })
        );
        assert_eq!(
            Address::parse("local:../nodes/a", base),
            Ok(Address::Local {
                root: Some("/srv/nodes/a".into())
            })
        );
        assert_eq!(
            Address::parse("ssh://root@127.0.0.1:2222", base),
            Ok(Address::Ssh {
                user: Some("root".into()),
                host: "127.0.0.1".into(),
                port: 2222
            })
        );
        assert_eq!(
            Address::parse("ssh://web1", base),
            Ok(Address::Ssh {
                user: None,
                host: "web1".into(),
                port: 22
            })
        );
        for bad in [
            "",
            "local:",
            "ssh://",
            "ssh://h:0",
            "ssh://h:x",
            "ftp://h",
            "ssh://a b",
            "ssh://-oProxyCommand=x",
            "ssh://-v",
            "ssh://-l@h",
        ] {
            assert!(Address::parse(bad, base).is_err(), "{bad}");
        }
        assert_eq!(
            Address::parse("ssh://u@h:2", base).unwrap().to_string(),
            "ssh://u@h:2"
        );
    }
}
