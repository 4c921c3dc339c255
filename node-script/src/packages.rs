//! Every package manager's commands in one table, the way pyinfra's
//! `ensure_packages(install_command=...)` keeps them: what the apply script
//! runs to check and install packages, and what the facts script runs to
//! read them. The provider only picks the manager (`plugin/src/layout.rs`).

use crate::bindings::PackageManager;

/// One package manager's commands, as POSIX `sh`. Package names are checked
/// words (`validate.rs`) passed as `"$@"`.
pub struct Manager {
    /// The plan's name for it.
    pub manager: PackageManager,
    /// The word the scripts use for it.
    pub name: &'static str,
    /// Exits 0 when the package `"$1"` is installed.
    pub installed: &'static str,
    /// Installs the packages `"$@"`, non-interactively.
    pub install: &'static str,
    /// The command the facts script recognises the manager by.
    pub query_tool: &'static str,
    /// Prints `pkg<TAB>name<TAB>install ok installed<TAB>version` for each
    /// of `"$@"` that is installed, and nothing for the others.
    pub query: &'static str,
}

/// The package managers the plans may name.
pub const MANAGERS: [Manager; 5] = [
    Manager {
        manager: PackageManager::Apt,
        name: "apt",
        installed: r#"dpkg-query -W -f='${Status}' -- "$1" 2>/dev/null | grep -q 'ok installed'"#,
        // The package lists may be stale or missing (a fresh image): one
        // refresh, then one more try.
        install: r#"DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -- "$@" ||
                { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -- "$@"; }"#,
        query_tool: "dpkg-query",
        query: r#"dpkg-query -W -f='pkg\t${Package}\t${Status}\t${Version}\n' -- "$@" 2>/dev/null"#,
    },
    Manager {
        manager: PackageManager::Dnf,
        name: "dnf",
        installed: r#"rpm -q -- "$1" >/dev/null 2>&1"#,
        install: r#"dnf install -y -- "$@""#,
        query_tool: "rpm",
        query: RPM_QUERY,
    },
    Manager {
        manager: PackageManager::Yum,
        name: "yum",
        installed: r#"rpm -q -- "$1" >/dev/null 2>&1"#,
        install: r#"yum install -y -- "$@""#,
        query_tool: "rpm",
        query: RPM_QUERY,
    },
    Manager {
        manager: PackageManager::Apk,
        name: "apk",
        installed: r#"apk info -e -- "$1" >/dev/null 2>&1"#,
        install: r#"apk add --no-cache -- "$@""#,
        query_tool: "apk",
        query: r#"for n; do apk info -e -- "$n" >/dev/null 2>&1 && printf 'pkg\t%s\tinstall ok installed\tinstalled\n' "$n"; done"#,
    },
    Manager {
        manager: PackageManager::Pacman,
        name: "pacman",
        installed: r#"pacman -Q -- "$1" >/dev/null 2>&1"#,
        install: r#"pacman -S --noconfirm --needed -- "$@""#,
        query_tool: "pacman",
        query: r#"pacman -Q -- "$@" 2>/dev/null | while read -r n v; do printf 'pkg\t%s\tinstall ok installed\t%s\n' "$n" "$v"; done"#,
    },
];

/// rpm's answer for dnf and yum alike.
const RPM_QUERY: &str = r#"rpm -q --qf 'pkg\t%{NAME}\tinstall ok installed\t%{VERSION}-%{RELEASE}\n' -- "$@" 2>/dev/null | grep '^pkg'"#;

/// The manager's entry: a case the table lacks does not compile.
pub fn manager(manager: PackageManager) -> &'static Manager {
    let row = match manager {
        PackageManager::Apt => 0,
        PackageManager::Dnf => 1,
        PackageManager::Yum => 2,
        PackageManager::Apk => 3,
        PackageManager::Pacman => 4,
    };
    &MANAGERS[row]
}

/// The apply script's `supd_pkg_installed MANAGER NAME` and
/// `supd_pkg_install MANAGER NAME...`.
pub fn script_functions() -> String {
    let cases = |command: fn(&Manager) -> &'static str| {
        MANAGERS
            .iter()
            .map(|m| format!("        {}) {} ;;\n", m.name, command(m)))
            .collect::<String>()
    };
    format!(
        "supd_pkg_installed() {{\n    _mgr=$1\n    shift\n    case $_mgr in\n{}        *) return 2 ;;\n    esac\n}}\n\n\
         supd_pkg_install() {{\n    _mgr=$1\n    shift\n    case $_mgr in\n{}        *) return 2 ;;\n    esac\n}}\n",
        cases(|m| m.installed),
        cases(|m| m.install)
    )
}

/// The facts script's query of `"$@"`, by the first manager's tool found.
pub fn facts_query() -> String {
    let mut out = String::new();
    let mut seen = Vec::new();
    for m in &MANAGERS {
        if seen.contains(&m.query_tool) {
            continue;
        }
        let keyword = if seen.is_empty() { "if" } else { "elif" };
        seen.push(m.query_tool);
        out.push_str(&format!(
            "{keyword} command -v {} >/dev/null 2>&1; then\n            {}\n        ",
            m.query_tool, m.query
        ));
    }
    out.push_str("fi");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_manager_finds_its_own_row() {
        for row in &MANAGERS {
            assert!(manager(row.manager).manager == row.manager, "{}", row.name);
        }
    }
}
