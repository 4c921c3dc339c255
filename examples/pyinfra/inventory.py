"""Hosts of the example; a real inventory names real hosts."""

web = [
    ("web1", {"ssh_hostname": "192.0.2.10", "ssh_user": "root", "app_port": 8080}),
]
