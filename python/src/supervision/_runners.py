"""Transports: the only thing a host supplies. A runner takes a POSIX `sh`
script and returns what running it on the node gave: a `RunResult`, or a
tuple `(stdout, exit_code)`.

`LocalRunner` runs scripts on this machine; `SSHRunner` on a node through
the system's OpenSSH client, over one shared connection. Ansible, pyinfra
or anything else that can run a command with input are runners too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from typing import Optional, Protocol, Sequence, Tuple, Union

from ._report import RunResult


class Runner(Protocol):
    """Runs a script on a node."""

    def __call__(self, script: str) -> Union[RunResult, Tuple[str, int], Tuple[str, int, str]]: ...


def _run(argv: Sequence[str], script: str, timeout: Optional[float]) -> RunResult:
    done = subprocess.run(
        list(argv), input=script.encode(), capture_output=True, timeout=timeout, check=False
    )
    return RunResult(
        stdout=done.stdout.decode("utf-8", "replace"),
        exit_code=done.returncode if done.returncode >= 0 else None,
        stderr=done.stderr.decode("utf-8", "replace"),
    )


class LocalRunner:
    """Runs scripts with this machine's `sh`, the script on its standard
    input."""

    def __init__(self, *, timeout: Optional[float] = None):
        self.timeout = timeout

    def __call__(self, script: str) -> RunResult:
        return _run(["sh", "-s"], script, self.timeout)


class SSHRunner:
    """Runs scripts on `destination` (`[user@]host`) with the system's
    OpenSSH client, non-interactively, with host keys checked, every script
    over one shared connection. Use it as a context manager, or call
    `close()`, to end the shared connection."""

    def __init__(
        self,
        destination: str,
        *,
        port: Optional[int] = None,
        identity: Optional[str] = None,
        known_hosts: Optional[str] = None,
        options: Sequence[str] = (),
        timeout: Optional[float] = None,
    ):
        self.destination = destination
        self.timeout = timeout
        self._control_dir = tempfile.mkdtemp(prefix="supervision-ssh-")
        argv = ["ssh", "-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]
        for option in options:
            argv += ["-o", option]
        argv += [
            "-o", "ControlMaster=auto",
            "-o", f"ControlPath={self._control_dir}/%C",
            "-o", "ControlPersist=60",
        ]
        if port is not None:
            argv += ["-p", str(port)]
        if identity is not None:
            argv += ["-i", identity, "-o", "IdentitiesOnly=yes"]
        if known_hosts is not None:
            argv += ["-o", f"UserKnownHostsFile={known_hosts}"]
        self._argv = argv

    def __call__(self, script: str) -> RunResult:
        return _run(self._argv + [self.destination, "sh -s"], script, self.timeout)

    def close(self) -> None:
        if os.path.isdir(self._control_dir):
            subprocess.run(
                self._argv + ["-O", "exit", self.destination], capture_output=True, check=False
            )
            shutil.rmtree(self._control_dir, ignore_errors=True)

    def __enter__(self) -> "SSHRunner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
