"""supervisord-crate: put programs under supervisord on any node you can
run a shell script on.

All supervisord knowledge is in WebAssembly components bundled with this
package (a provider, the node-script component, the app-deploy facility),
run with wasmtime inside fuel and memory bounds. A host supplies only a
runner: `run(script) -> (stdout, exit_code)`.

    from supervision import converge, LocalRunner
    report = converge({"install": {"strategy": "pip"}},
                      {"web": {"settings": {"command": "python3 -m http.server 8080"}}},
                      LocalRunner())
    print(report.outcome)
"""

from ._components import Facility, NodeScript, Provider
from ._converge import (
    ACTIONS,
    PROGRAM_STATES,
    ROLES,
    Prepared,
    Program,
    Supervision,
    converge,
    declaration,
    service,
    status,
)
from ._exceptions import (
    ComponentError,
    FactsError,
    NodeError,
    PinError,
    PluginError,
    PluginLimitError,
    PluginTrap,
    ProviderError,
    StepFailed,
    SupervisionError,
)
from ._held import Held
from ._report import ProgramStatus, Report, RunResult, StepReport
from ._runners import LocalRunner, Runner, SSHRunner
from ._runtime import Limits, Runtime
from ._visible import visible

__version__ = "0.1.0"

__all__ = [
    "ACTIONS",
    "PROGRAM_STATES",
    "ROLES",
    "ComponentError",
    "Facility",
    "FactsError",
    "Held",
    "Limits",
    "LocalRunner",
    "NodeError",
    "NodeScript",
    "PinError",
    "PluginError",
    "PluginLimitError",
    "PluginTrap",
    "Prepared",
    "Program",
    "ProgramStatus",
    "Provider",
    "ProviderError",
    "Report",
    "RunResult",
    "Runner",
    "Runtime",
    "SSHRunner",
    "StepFailed",
    "StepReport",
    "Supervision",
    "SupervisionError",
    "converge",
    "declaration",
    "service",
    "status",
    "visible",
]
