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
import signal
import subprocess
import tempfile
import threading
from typing import Any, Optional, Protocol, Sequence, Tuple, Union

from ._exceptions import NodeError
from ._report import RunResult


class Runner(Protocol):
    """Runs a script on a node."""

    def __call__(self, script: str) -> Union[RunResult, Tuple[str, int], Tuple[str, int, str]]: ...


#: How long one script may run, by default: a pip install on a slow link.
DEFAULT_TIMEOUT = 3600.0

#: The most bytes of standard output a script may print, by default; its
#: standard error is kept to its last `MAX_STDERR` bytes.
DEFAULT_MAX_OUTPUT = 64 << 20
MAX_STDERR = 1 << 20


def _run(argv: Sequence[str], script: str, timeout: Optional[float], max_output: int) -> RunResult:
    """Runs `argv` with `script` on its standard input, within bounds: what a
    node sends back is untrusted, so a script that runs past `timeout` or
    prints more than `max_output` bytes is killed and is a `NodeError`."""
    # A process group of its own: ending it ends what the script started.
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )

    def kill() -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass

    out: list = []
    err: list = []
    over = threading.Event()

    def feed() -> None:
        try:
            proc.stdin.write(script.encode())
            proc.stdin.close()
        except OSError:
            pass  # a shell that exits early closes its input

    def drain(stream: Any, into: list, limit: int, kill_over: bool) -> None:
        size = 0
        for chunk in iter(lambda: stream.read(65536), b""):
            into.append(chunk)
            size += len(chunk)
            if size > limit:
                if kill_over:
                    over.set()
                    kill()
                    return
                # Standard error: its end is what matters.
                joined = b"".join(into)[-limit:]
                into[:] = [joined]
                size = len(joined)

    threads = [
        threading.Thread(target=feed, daemon=True),
        threading.Thread(target=drain, args=(proc.stdout, out, max_output, True), daemon=True),
        threading.Thread(target=drain, args=(proc.stderr, err, MAX_STDERR, False), daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill()
        proc.wait()
        raise NodeError(f"the script ran past its deadline of {timeout:g} s") from None
    for thread in threads:
        thread.join(timeout=5)
    if over.is_set():
        raise NodeError(f"the node sent more than {max_output >> 20} MiB on standard output")
    return RunResult(
        stdout=b"".join(out).decode("utf-8", "replace"),
        exit_code=proc.returncode if proc.returncode >= 0 else None,
        stderr=b"".join(err).decode("utf-8", "replace"),
    )


class LocalRunner:
    """Runs scripts with this machine's `sh`, the script on its standard
    input; one may run `timeout` seconds and print `max_output` bytes."""

    def __init__(self, *, timeout: Optional[float] = DEFAULT_TIMEOUT, max_output: int = DEFAULT_MAX_OUTPUT):
        self.timeout = timeout
        self.max_output = max_output

    def __call__(self, script: str) -> RunResult:
        return _run(["sh", "-s"], script, self.timeout, self.max_output)


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
        timeout: Optional[float] = DEFAULT_TIMEOUT,
        max_output: int = DEFAULT_MAX_OUTPUT,
    ):
        if not destination or destination.startswith("-"):
            raise ValueError(f"{destination!r} is not an SSH destination")
        self.destination = destination
        self.timeout = timeout
        self.max_output = max_output
        self._control_dir = tempfile.mkdtemp(prefix="supervision-ssh-")
        argv = ["ssh", "-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]
        for option in options:
            argv += ["-o", option]
        argv += [
            "-o",
            "ControlMaster=auto",
            "-o",
            f"ControlPath={self._control_dir}/%C",
            "-o",
            "ControlPersist=60",
        ]
        if port is not None:
            argv += ["-p", str(port)]
        if identity is not None:
            argv += ["-i", identity, "-o", "IdentitiesOnly=yes"]
        if known_hosts is not None:
            argv += ["-o", f"UserKnownHostsFile={known_hosts}"]
        self._argv = argv

    def __call__(self, script: str) -> RunResult:
        return _run(self._argv + ["--", self.destination, "sh -s"], script, self.timeout, self.max_output)

    def close(self) -> None:
        if os.path.isdir(self._control_dir):
            subprocess.run(self._argv + ["-O", "exit", "--", self.destination], capture_output=True, check=False)
            shutil.rmtree(self._control_dir, ignore_errors=True)

    def __enter__(self) -> "SSHRunner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
