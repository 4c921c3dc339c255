# Copyright: supervisord-crate developers; Eclipse Public License 1.0
"""The options both modules that load components share."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  facilities:
    description:
      - More facility components (C(.wasm) files on the controller), consulted before the bundled ones.
      - Each is a path, or a dict with C(path), C(sha256) (the component's digest, checked before it
        loads) and C(grant) (C(users), C(paths) and C(environment), each a list, bounding what its
        programs may do; root only when C(users) names it).
      - A component without C(sha256) loads only when O(accept_unpinned) names it.
    type: list
    elements: raw
    default: []
  accept_unpinned:
    description:
      - Names of facility components that may load without a pinned C(sha256).
    type: list
    elements: str
    default: []
"""
