"""The components, loaded once per process and shared by every host (pyinfra
runs hosts as greenlets on one thread; every call is pure and short)."""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import Any, Mapping, Optional, Sequence, Tuple

from .._converge import Supervision
from .._visible import visible

logger = logging.getLogger("pyinfra")


#: Which components an operation loads, hashable: its facilities (each a
#: path, or `{path, sha256, grant}` as canonical JSON) and the names it
#: accepts unpinned.
Components = Tuple[Tuple[Tuple[str, str], ...], Tuple[str, ...]]


def components(facilities: Sequence[Any] = (), accept_unpinned: Sequence[str] = ()) -> Components:
    """The key of `supervision` for an operation's arguments."""
    entries = tuple(
        ("pinned", json.dumps(dict(f), sort_keys=True)) if isinstance(f, Mapping) else ("path", str(f))
        for f in facilities
    )
    return entries, tuple(str(name) for name in accept_unpinned)


@lru_cache(maxsize=8)
def supervision(key: Components = ((), ())) -> Supervision:
    """The components with these extra facility components."""
    entries, accepted = key
    facilities = [json.loads(text) if kind == "pinned" else text for kind, text in entries]
    return Supervision(facilities=facilities, accept_unpinned=list(accepted))


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
