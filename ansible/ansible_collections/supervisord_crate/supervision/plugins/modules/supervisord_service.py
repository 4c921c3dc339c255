# Copyright: supervisord-crate developers; Eclipse Public License 1.0
# This module is implemented by its action plugin; this file is its documentation.

DOCUMENTATION = r"""
module: supervisord_service
short_description: Start, stop, restart, signal, enable or disable programs under supervisord
version_added: 0.1.0
description:
  - One service action on a program, a group, C(group:program) or V(all), with the semantics of the
    supervisord-crate seed. Starting a running program is ok, stopping a stopped one is ok, a restart
    starts a stopped program, and V(all) with no programs is ok.
  - Runs on the controller. The host sees one command that reads its facts and at most one that acts.
requirements:
  - The C(supervisord-crate) Python package (and so C(wasmtime)) on the controller.
options:
  name:
    description:
      - A program, a group (every process of it), C(group:program), or V(all).
    type: str
    required: true
  state:
    description:
      - V(started), V(stopped), V(restarted), V(signalled) (with O(signal)), V(enabled) (supervisord
        manages the group again) or V(disabled) (stopped, and forgotten until enabled).
    type: str
    required: true
    choices: [started, stopped, restarted, signalled, enabled, disabled]
  if_stopped:
    description:
      - With V(restarted), leave a running program alone and only start a stopped one.
    type: bool
    default: false
  signal:
    description:
      - The signal for V(signalled), such as V(HUP) or V(USR1).
    type: str
  settings:
    description:
      - Where supervisord lives, as provider settings. Not needed, since by default the task finds
        the supervisord the host records (written when it was converged).
    type: dict
    default: {}
  root:
    description:
      - The directory that stands for the host's root, for sandboxes.
    type: str
    default: /
attributes:
  action:
    description: Runs on the controller; the host sees only shell commands.
    support: full
  check_mode:
    description: Changes nothing and reports what would change.
    support: full
  diff_mode:
    description: Service actions change no file.
    support: none
  platform:
    description: Hosts with a POSIX C(sh) and C(python3).
    support: full
    platforms: posix
author:
  - supervisord-crate developers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Restart the example app
  supervisord_crate.supervision.supervisord_service:
    name: example-app
    state: restarted

- name: Make the workers reopen their logs
  supervisord_crate.supervision.supervisord_service:
    name: workers
    state: signalled
    signal: USR1
"""

RETURN = r"""
steps:
  description: The steps of the action with what came of each.
  returned: always
  type: list
  elements: dict
programs:
  description: Program states supervisord reported.
  returned: always
  type: list
  elements: dict
round_trips:
  description: Remote commands this task ran on the host.
  returned: always
  type: int
"""
