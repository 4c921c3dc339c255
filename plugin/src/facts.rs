//! Questions a plan asks of node facts. Facts not gathered answer
//! "unknown", and the plan then emits the step (its own check still runs
//! on the node).

use crate::bindings::{NodeFacts, PathFact, PathKind, SupervisorState};

/// Read access to gathered facts.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    facts: &'a NodeFacts,
}

/// What is known about a wanted file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    /// Facts were not gathered.
    Unknown,
    /// Nothing is there.
    Missing,
    /// Something that is not a regular file is there.
    NotAFile,
    /// A file whose content or metadata differ; says what differs.
    Differs(&'static str),
    /// Exactly as wanted.
    Same,
}

impl<'a> Facts<'a> {
    /// Wraps facts.
    pub fn new(facts: &'a NodeFacts) -> Facts<'a> {
        Facts { facts }
    }

    /// The facts themselves.
    pub fn node(&self) -> &'a NodeFacts {
        self.facts
    }

    /// Whether the host looked at the node.
    pub fn gathered(&self) -> bool {
        self.facts.gathered
    }

    /// The fact about `path`, if it was probed.
    pub fn path(&self, path: &str) -> Option<&'a PathFact> {
        self.facts.paths.iter().find(|fact| fact.path == path)
    }

    /// Compares a wanted file with the node.
    pub fn file_state(
        &self,
        path: &str,
        sha256: &str,
        mode: u32,
        owner: Option<&str>,
        group: Option<&str>,
    ) -> FileState {
        if !self.gathered() {
            return FileState::Unknown;
        }
        let Some(fact) = self.path(path) else {
            // Files in a listed directory that the listing did not show do
            // not exist.
            let listed = path
                .rsplit_once('/')
                .is_some_and(|(dir, _)| self.path(dir).is_some());
            return if listed {
                FileState::Missing
            } else {
                FileState::Unknown
            };
        };
        match &fact.kind {
            PathKind::Missing => FileState::Missing,
            PathKind::File(info) if info.sha256 != sha256 => FileState::Differs("content changed"),
            PathKind::File(_) => metadata_state(fact, mode, owner, group),
            _ => FileState::NotAFile,
        }
    }

    /// Whether `path` is a file with this content hash; `None` when unknown.
    pub fn content_matches(&self, path: &str, sha256: &str) -> Option<bool> {
        if !self.gathered() {
            return None;
        }
        let fact = self.path(path)?;
        Some(matches!(&fact.kind, PathKind::File(info) if info.sha256 == sha256))
    }

    /// Compares a wanted directory with the node.
    pub fn directory_state(
        &self,
        path: &str,
        mode: u32,
        owner: Option<&str>,
        group: Option<&str>,
    ) -> FileState {
        if !self.gathered() {
            return FileState::Unknown;
        }
        let Some(fact) = self.path(path) else {
            return FileState::Unknown;
        };
        match fact.kind {
            PathKind::Missing => FileState::Missing,
            PathKind::Directory => metadata_state(fact, mode, owner, group),
            _ => FileState::NotAFile,
        }
    }

    /// Whether `path` exists (any kind); `None` when unknown.
    pub fn exists(&self, path: &str) -> Option<bool> {
        if !self.gathered() {
            return None;
        }
        self.path(path)
            .map(|fact| !matches!(fact.kind, PathKind::Missing))
    }

    /// Regular files directly inside `dir` found by a listing probe.
    pub fn files_in(&self, dir: &str) -> impl Iterator<Item = &'a PathFact> + 'a {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        self.facts.paths.iter().filter(move |fact| {
            matches!(fact.kind, PathKind::File(_))
                && fact
                    .path
                    .strip_prefix(&prefix)
                    .is_some_and(|name| !name.contains('/'))
        })
    }

    /// Whether the process of a pid file is alive; `None` when unknown.
    pub fn alive(&self, pid_file: &str) -> Option<bool> {
        if !self.gathered() {
            return None;
        }
        self.facts
            .processes
            .iter()
            .find(|p| p.pid_file == pid_file)
            .map(|p| p.alive)
    }

    /// What the supervisord on `socket` reported, when it answered.
    pub fn supervisor(&self, socket: &str) -> Option<&'a SupervisorState> {
        self.facts.supervisors.iter().find(|s| s.socket == socket)
    }

    /// The content hash of a watched path: `None` when it was not probed
    /// (or facts were not gathered), `Some(None)` when nothing is there.
    pub fn watched(&self, path: &str) -> Option<Option<&'a str>> {
        if !self.gathered() {
            return None;
        }
        self.facts
            .watched
            .iter()
            .find(|w| w.path == path)
            .map(|w| w.hash.as_deref())
    }

    /// The content of a probed record file; `None` when it is missing,
    /// was not probed, or facts were not gathered.
    pub fn record(&self, path: &str) -> Option<&'a str> {
        self.facts
            .records
            .iter()
            .find(|r| r.path == path)
            .and_then(|r| r.content.as_deref())
    }

    /// Installed version of an OS package; `None` when not installed or
    /// unknown.
    pub fn package_version(&self, name: &str) -> Option<&'a str> {
        self.facts
            .packages
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.version.as_deref())
    }

    /// Whether an OS package was probed and found absent or present.
    pub fn package_known(&self, name: &str) -> bool {
        self.gathered() && self.facts.packages.iter().any(|p| p.name == name)
    }

    /// Installed version of a distribution in a virtual environment.
    pub fn venv_version(&self, venv: &str, name: &str) -> Option<&'a str> {
        let name = normalize_distribution(name);
        self.facts
            .venv_packages
            .iter()
            .find(|p| p.venv == venv && normalize_distribution(&p.name) == name)
            .map(|p| p.version.as_str())
    }
}

fn metadata_state(
    fact: &PathFact,
    mode: u32,
    owner: Option<&str>,
    group: Option<&str>,
) -> FileState {
    if fact.mode & 0o7777 != mode {
        FileState::Differs("mode changed")
    } else if owner.is_some_and(|owner| owner != fact.owner) {
        FileState::Differs("owner changed")
    } else if group.is_some_and(|group| group != fact.group) {
        FileState::Differs("group changed")
    } else {
        FileState::Same
    }
}

/// PEP 503 normalization, so `Supervisor` and `supervisor` match.
fn normalize_distribution(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}
