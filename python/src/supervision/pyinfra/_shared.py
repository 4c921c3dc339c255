"""The components, loaded once per process and shared by every host (pyinfra
runs hosts as greenlets on one thread; every call is pure and short)."""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import Any, Mapping, Optional, Tuple

from .._converge import Supervision
from .._visible import visible

logger = logging.getLogger("pyinfra")


@lru_cache(maxsize=8)
def supervision(facilities: Tuple[str, ...] = ()) -> Supervision:
    """The components with these extra facility components."""
    return Supervision(facilities=list(facilities))


def settings_text(settings: Optional[Mapping[str, Any]]) -> str:
    return json.dumps(dict(settings or {}), sort_keys=True)


def fail(host: Any, message: str) -> None:
    """Fails `host` alone, saying why; its later operations do not run."""
    from pyinfra.context import ctx_host

    # `host` is pyinfra's context proxy; the failed set needs the host
    # itself, which outlives the operation.
    real = ctx_host.get() or host
    real.log_styled(visible(message), fg="red", log_func=logger.error)
    real.state.fail_hosts({real})
