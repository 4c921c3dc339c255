"""The seed README's example as a pyinfra deploy: the app-deploy service
under supervisord on every host of the inventory.

    pip install 'supervisord-crate[pyinfra]'
    pyinfra inventory.py deploy.py
"""

from pyinfra import host

from supervision.pyinfra import supervisord

port = host.data.get("app_port", 8080)

supervisord(
    name="The example app under supervisord",
    settings={},  # OS packages on Debian/Ubuntu, RHEL (EPEL), Alpine, Arch
    services={
        "example-app": {
            "facility": "app-deploy",
            "settings": {
                "run-command": f"python3 -m http.server {port} --bind 127.0.0.1 --directory /usr/share/doc",
                "port": port,
                # As in the seed: "user": "supervisord",
            },
        },
    },
)
