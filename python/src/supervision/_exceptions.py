"""What can go wrong, as a tree:

    SupervisionError
    ├── ProviderError (also a ValueError): a provider refused the input;
    │                                      nothing ran on any node
    ├── PluginError: a component misbehaved; nothing ran on the node
    │   ├── PluginTrap: it trapped (a panic, `unreachable`)
    │   └── PluginLimitError: it went over its fuel or memory bound
    ├── ComponentError: a component could not be loaded
    │   └── PinError: not the component its digest pins, or unpinned and
    │                 not accepted by name; nothing was loaded or run
    └── NodeError: the node answered with something unusable
        └── FactsError: the facts script did not run to its end

A failed step is not an exception: `converge` returns a `Report` whose
`outcome` is "failed"; `Report.raise_for_outcome()` turns it into a
`StepFailed` (a `NodeError`).
"""

from __future__ import annotations


class SupervisionError(Exception):
    """Everything this package raises."""


class ProviderError(SupervisionError, ValueError):
    """A provider refused the input: its typed WIT `error`.

    `field` is the path of the offending field from the root of the input,
    for example `services.web.settings.command` or `settings.install.strategy`.
    """

    def __init__(self, field: str, kind: str, message: str, *, plugin: str = "", call: str = ""):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.kind = kind
        self.message = message
        self.plugin = plugin
        self.call = call


class PluginError(SupervisionError):
    """A component failed while answering a call."""

    def __init__(self, message: str, *, plugin: str, call: str):
        super().__init__(f"{plugin}: {call}: {message}")
        self.plugin = plugin
        self.call = call


class PluginTrap(PluginError):
    """The component trapped (a panic or `unreachable`)."""


class PluginLimitError(PluginError):
    """The component went over its fuel (CPU) or memory bound."""


class ComponentError(SupervisionError):
    """A component file could not be loaded (missing, not a component, or
    not of the expected world)."""


class PinError(ComponentError):
    """A third-party component is not the one its sha256 pins, or it is
    unpinned and not accepted by name (`accept_unpinned`)."""


class NodeError(SupervisionError):
    """The node answered with something unusable."""


class FactsError(NodeError):
    """The facts script's output could not be read (it did not run to its
    end); `stderr` holds what the node printed there."""

    def __init__(self, message: str, *, stderr: str = ""):
        super().__init__(message)
        self.stderr = stderr


class StepFailed(NodeError):
    """A step of an apply failed (from `Report.raise_for_outcome`)."""

    def __init__(self, message: str, *, report: object):
        super().__init__(message)
        self.report = report
