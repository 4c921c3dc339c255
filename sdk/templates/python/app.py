from supervisord_facility import facility


# The seed's app-deploy mapping: maps its settings to a supervisord program.
@facility("{{name}}")
def config_map(s):
    return {
        "service-name": s.required("service-name"),
        "command": s.required("run-command"),
        "autostart": True,
        "autorestart": True,
        "startsecs": 10,
        **({"user": s["user"]} if s.get("user") else {}),
    }
