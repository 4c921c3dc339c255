"""supervisord in pyinfra: a fact and two operations backed by the
supervisord-crate components (`pip install supervisord-crate[pyinfra]`).

    from supervision.pyinfra import supervisord, supervisord_service

    supervisord(
        name="The example app under supervisord",
        settings={"install": {"strategy": "pip"}},
        services={"web": {"settings": {"command": "python3 -m http.server 8080"}}},
    )
    supervisord_service(name="Restart web", service="web", action="restart")

`supervisord_program(program="worker", settings={...})` declares one program
on its own (present, absent, started, stopped, restarted) under the
supervisord the host records: operations compose without knowing each
other.

`supervisord` reads the host's facts with one command (`SupervisordFacts`:
the node-script facts script, parsed by the component), plans on the
controller, and yields the apply script as one command, or nothing when
nothing differs. `supervisord_service` runs one of the seed's service
actions. A refused setting fails that host, naming the field, before any
command of the operation runs on it.

The service's argument is `service`, not `name`: pyinfra takes `name` as
every operation's display name.
"""

from .facts import SupervisordFacts
from .operations import supervisord, supervisord_program, supervisord_service

__all__ = ["SupervisordFacts", "supervisord", "supervisord_program", "supervisord_service"]
