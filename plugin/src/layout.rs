//! Where supervisord lives on each OS family and install strategy: the
//! defaults that user settings are merged over.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::bindings::{OsRelease, PackageManager};

/// OS families with their own supervisord packaging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OsFamily {
    /// Debian, Ubuntu and derivatives.
    Debian,
    /// RHEL, CentOS, Rocky, Alma, Fedora.
    Rhel,
    /// Alpine.
    Alpine,
    /// Arch and derivatives.
    Arch,
}

impl OsFamily {
    /// Every family, in the order documented to users.
    pub const ALL: [OsFamily; 4] = [
        OsFamily::Debian,
        OsFamily::Rhel,
        OsFamily::Alpine,
        OsFamily::Arch,
    ];

    /// The name used in settings and `provider-info`.
    pub fn name(self) -> &'static str {
        match self {
            OsFamily::Debian => "debian",
            OsFamily::Rhel => "rhel",
            OsFamily::Alpine => "alpine",
            OsFamily::Arch => "arch",
        }
    }

    /// The family of an `/etc/os-release`, from `ID` first, then `ID_LIKE`.
    pub fn detect(os: &OsRelease) -> Option<OsFamily> {
        std::iter::once(&os.id)
            .chain(os.id_like.iter())
            .find_map(|id| match id.as_str() {
                "debian" | "ubuntu" | "raspbian" | "linuxmint" => Some(OsFamily::Debian),
                "rhel" | "centos" | "fedora" | "rocky" | "almalinux" | "ol" => Some(OsFamily::Rhel),
                "alpine" => Some(OsFamily::Alpine),
                "arch" | "archarm" | "manjaro" | "endeavouros" => Some(OsFamily::Arch),
                _ => None,
            })
    }

    /// The package manager for this family on this release.
    pub fn package_manager(self, os: Option<&OsRelease>) -> PackageManager {
        match self {
            OsFamily::Debian => PackageManager::Apt,
            OsFamily::Rhel => {
                let major = os
                    .and_then(|os| os.version_id.split('.').next())
                    .and_then(|major| major.parse::<u32>().ok());
                match major {
                    Some(major) if major <= 7 && os.is_some_and(|os| os.id != "fedora") => {
                        PackageManager::Yum
                    }
                    _ => PackageManager::Dnf,
                }
            }
            OsFamily::Alpine => PackageManager::Apk,
            OsFamily::Arch => PackageManager::Pacman,
        }
    }

    /// Whether supervisor comes from EPEL on this release (RHEL clones do,
    /// Fedora ships it itself).
    pub fn needs_epel(self, os: Option<&OsRelease>) -> bool {
        self == OsFamily::Rhel && os.is_none_or(|os| os.id != "fedora")
    }
}

/// How supervisord gets onto the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// The OS's own `supervisor` package; supervisord runs as root.
    Packages,
    /// `pip install supervisor` into a virtual environment under a prefix;
    /// supervisord may run as any user.
    Pip,
}

impl Strategy {
    /// Every strategy.
    pub const ALL: [Strategy; 2] = [Strategy::Packages, Strategy::Pip];

    /// The name used in settings and `provider-info`.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Packages => "packages",
            Strategy::Pip => "pip",
        }
    }
}

/// Default prefix of the pip layout, under the node root.
pub const DEFAULT_PIP_PREFIX: &str = "/opt/supervisord";

/// Joins a node root and an absolute path: `/` + `/etc` is `/etc`,
/// `/sandbox` + `/etc` is `/sandbox/etc`.
pub fn under(root: &str, path: &str) -> String {
    let root = root.trim_end_matches('/');
    if root.is_empty() {
        path.to_string()
    } else {
        format!("{root}{path}")
    }
}

/// The default settings of a family and strategy, before user settings are
/// merged over them. `base` is the node root for packages and root + prefix
/// for pip.
pub fn defaults(family: OsFamily, strategy: Strategy, base: &str, python: &str) -> Value {
    let mut value = match strategy {
        Strategy::Pip => pip_defaults(base, python),
        Strategy::Packages => package_defaults(family),
    };
    value["os-family"] = json!(family.name());
    value["install"]["strategy"] = json!(strategy.name());
    value["supervisord"] = json!({
        "loglevel": "info",
        "logfile-maxbytes": "50MB",
        "logfile-backups": 10,
    });
    value
}

fn pip_defaults(base: &str, python: &str) -> Value {
    json!({
        "install": {"python": python, "package": "supervisor"},
        // Not "supervisord": Fedora's and Arch's packages install a unit of
        // that name, which this one would shadow.
        "service": "supervisord-crate",
        "paths": {
            "venv": format!("{base}/venv"),
            "supervisord": format!("{base}/venv/bin/supervisord"),
            "supervisorctl": format!("{base}/venv/bin/supervisorctl"),
            "config": format!("{base}/etc/supervisord.conf"),
            "include-dir": format!("{base}/etc/conf.d"),
            "include-ext": "conf",
            "log-dir": format!("{base}/log"),
            "logfile": format!("{base}/log/supervisord.log"),
            "childlogdir": format!("{base}/log"),
            "run-dir": format!("{base}/run"),
            "socket": format!("{base}/run/supervisor.sock"),
            "pidfile": format!("{base}/run/supervisord.pid"),
        }
    })
}

fn package_defaults(family: OsFamily) -> Value {
    // Paths follow each distribution's own package, so its init script or
    // unit file keeps working with the configuration we write.
    let (service, config, include_dir, ext, run_dir, socket) = match family {
        OsFamily::Debian => (
            "supervisor",
            "/etc/supervisor/supervisord.conf",
            "/etc/supervisor/conf.d",
            "conf",
            "/var/run",
            "/var/run/supervisor.sock",
        ),
        OsFamily::Rhel => (
            "supervisord",
            "/etc/supervisord.conf",
            "/etc/supervisord.d",
            "ini",
            "/run/supervisor",
            "/run/supervisor/supervisor.sock",
        ),
        OsFamily::Alpine | OsFamily::Arch => (
            "supervisord",
            "/etc/supervisord.conf",
            "/etc/supervisor.d",
            "ini",
            "/run",
            "/run/supervisord.sock",
        ),
    };
    let pidfile = if family == OsFamily::Debian {
        "/var/run/supervisord.pid"
    } else {
        "/run/supervisord.pid"
    };
    json!({
        "install": {"package": "supervisor"},
        "service": service,
        "paths": {
            "supervisord": "/usr/bin/supervisord",
            "supervisorctl": "/usr/bin/supervisorctl",
            "config": config,
            "include-dir": include_dir,
            "include-ext": ext,
            "log-dir": "/var/log/supervisor",
            "logfile": "/var/log/supervisor/supervisord.log",
            "childlogdir": "/var/log/supervisor",
            "run-dir": run_dir,
            "socket": socket,
            "pidfile": pidfile,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(id: &str, version: &str, like: &[&str]) -> OsRelease {
        OsRelease {
            id: id.into(),
            version_id: version.into(),
            id_like: like.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn families_are_detected_from_id_then_id_like() {
        let cases = [
            (os("debian", "12", &[]), Some(OsFamily::Debian)),
            (os("ubuntu", "24.04", &["debian"]), Some(OsFamily::Debian)),
            (
                os("rocky", "9.4", &["rhel", "centos", "fedora"]),
                Some(OsFamily::Rhel),
            ),
            (os("fedora", "40", &[]), Some(OsFamily::Rhel)),
            (os("alpine", "3.20.1", &[]), Some(OsFamily::Alpine)),
            (os("manjaro", "", &["arch"]), Some(OsFamily::Arch)),
            (
                os("pop", "22.04", &["ubuntu", "debian"]),
                Some(OsFamily::Debian),
            ),
            (os("freebsd", "14", &[]), None),
        ];
        for (release, want) in cases {
            assert_eq!(OsFamily::detect(&release), want, "{release:?}");
        }
    }

    #[test]
    fn rhel_7_uses_yum_and_fedora_needs_no_epel() {
        let centos7 = os("centos", "7", &["rhel", "fedora"]);
        let rocky9 = os("rocky", "9.4", &["rhel"]);
        let fedora = os("fedora", "40", &[]);
        assert_eq!(
            OsFamily::Rhel.package_manager(Some(&centos7)),
            PackageManager::Yum
        );
        assert_eq!(
            OsFamily::Rhel.package_manager(Some(&rocky9)),
            PackageManager::Dnf
        );
        assert!(OsFamily::Rhel.needs_epel(Some(&rocky9)));
        assert!(!OsFamily::Rhel.needs_epel(Some(&fedora)));
    }

    #[test]
    fn paths_are_rooted_under_the_node_root() {
        assert_eq!(under("/", "/etc/x"), "/etc/x");
        assert_eq!(under("/tmp/node/", "/etc/x"), "/tmp/node/etc/x");
    }
}
