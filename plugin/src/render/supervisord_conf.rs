//! The main `supervisord.conf`.

use sha1::{Digest, Sha1};

use super::ini::{IniWriter, boolean, environment};
use crate::MANAGED_MARKER;
use crate::settings::Resolved;

/// Keys whose values are secret in the files this provider writes.
pub const SECRET_KEYS: [&str; 2] = ["password", "environment"];

/// Renders `supervisord.conf` for resolved settings. Only set options are
/// written, in a fixed order, so equal settings give equal bytes.
pub fn supervisord_conf(resolved: &Resolved) -> String {
    let s = &resolved.settings;
    let p = &s.paths;
    let mut w = IniWriter::new(MANAGED_MARKER);

    w.section("unix_http_server")
        .literal("file", &p.socket)
        // Only supervisord's own account (and root) may drive it.
        .raw("chmod", "0700");
    if let Some(user) = resolved.switch_to() {
        w.literal("chown", &format!("{user}:{user}"));
    }

    if let Some(http) = &s.http {
        w.section("inet_http_server").literal("port", &http.bind);
        w.opt_literal("username", http.username.as_deref());
        if let Some(password) = &http.password {
            // supervisord accepts a SHA-1 hex digest behind `{SHA}`, so the
            // clear password is never written to the node.
            let digest = hex::encode(Sha1::digest(password.as_bytes()));
            w.raw("password", &format!("{{SHA}}{digest}"));
        }
    }

    let d = &s.supervisord;
    w.section("supervisord")
        .literal("logfile", &p.logfile)
        .raw("logfile_maxbytes", &d.logfile_maxbytes.to_string())
        .raw("logfile_backups", &d.logfile_backups.to_string())
        .raw("loglevel", d.loglevel.as_str())
        .literal("pidfile", &p.pidfile)
        .literal("childlogdir", &p.childlogdir);
    w.opt_literal("user", resolved.switch_to());
    w.opt("minfds", d.minfds)
        .opt("minprocs", d.minprocs)
        .opt("umask", d.umask)
        .opt("nocleanup", d.nocleanup.map(boolean))
        .opt("strip_ansi", d.strip_ansi.map(boolean))
        .opt_literal("identifier", d.identifier.as_deref())
        .opt_literal("directory", d.directory.as_deref());
    if !d.environment.is_empty() {
        w.raw(
            "environment",
            &environment(d.environment.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        );
    }

    // The seed forgot this section; supervisorctl cannot talk to
    // supervisord without it.
    w.section("rpcinterface:supervisor").raw(
        "supervisor.rpcinterface_factory",
        "supervisor.rpcinterface:make_main_rpcinterface",
    );

    w.section("supervisorctl")
        .literal("serverurl", &format!("unix://{}", p.socket));

    w.section("include")
        .literal("files", &format!("{}/*.{}", p.include_dir, p.include_ext));
    w.finish()
}
