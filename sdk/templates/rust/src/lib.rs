use supervisord_facility::{Program, facility};

// The seed's app-deploy mapping: maps its settings to a supervisord program.
facility!("{{name}}", |s| {
    Ok(Program::new(s.required("service-name")?, s.required("run-command")?)
        .set("autostart", true)
        .set("autorestart", true)
        .set("startsecs", 10)
        .set_some("user", s.optional("user")?))
});
