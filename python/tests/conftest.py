"""Fixtures: one `Supervision` for the session (its code cache in a temp
directory), and sandbox nodes (a directory standing in for a node's root)
whose supervisord and programs are killed when the test ends, however it
ends."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest
import supervision

WORKSPACE = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sup(tmp_path_factory) -> supervision.Supervision:
    return supervision.Supervision(cache_dir=tmp_path_factory.mktemp("cache"))


def _children(pid: int) -> list:
    parents: dict = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    out, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(), []):
            out.append(child)
            queue.append(child)
    return out


class Sandbox:
    """A sandbox node: `root` is its directory."""

    def __init__(self, root: Path):
        self.root = root

    @property
    def pid_file(self) -> Path:
        return self.root / "opt/supervisord/run/supervisord.pid"

    def kill(self) -> None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        # Frozen first: a running supervisord restarts the programs killed
        # under it, and the new ones would outlive it.
        try:
            os.kill(pid, signal.SIGSTOP)
        except OSError:
            return
        for victim in list(reversed(_children(pid))) + [pid]:
            try:
                os.kill(victim, signal.SIGKILL)
            except OSError:
                pass

    def files(self) -> dict:
        """path -> (content, mode, mtime) of every file but logs and run state."""
        out = {}
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root).as_posix()
            if rel.startswith(("opt/supervisord/log", "opt/supervisord/run")) or "__pycache__" in rel:
                continue
            if path.is_file() and not path.is_symlink():
                st = path.stat()
                out[rel] = (path.read_bytes(), st.st_mode, st.st_mtime_ns)
        return out


@pytest.fixture
def sandbox() -> Sandbox:
    # Under /tmp: supervisord's socket path (root + 37 bytes) must stay
    # under 100 bytes, wherever the checkout is.
    root = Path(tempfile.mkdtemp(prefix="supd-py-"))
    node = Sandbox(root)
    yield node
    node.kill()
    shutil.rmtree(root, ignore_errors=True)
