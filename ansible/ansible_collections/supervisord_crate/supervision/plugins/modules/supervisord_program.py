# Copyright: supervisord-crate developers; Eclipse Public License 1.0
# This module is implemented by its action plugin; this file is its documentation.

DOCUMENTATION = r"""
module: supervisord_program
short_description: One program under the supervisord a host runs
version_added: 0.1.0
description:
  - Declares one program on its own, like Puppet's C(supervisord::program). It adds it to the
    supervisord the host records (written when M(supervisord_crate.supervision.supervisord)
    converged it), keeps it as declared, and removes it with O(state=absent).
  - Each program is a scope of its own (V(program:<name>)), so tasks of different roles compose
    without knowing each other. A program another task declares is refused, naming its scope.
  - Runs on the controller. The host sees one command that reads its facts and, when something must
    change, one command that applies it (and, for V(started), V(stopped) and V(restarted), one more
    pair for the action).
requirements:
  - The C(supervisord-crate) Python package (and so C(wasmtime)) on the controller.
  - A connection that can pass a script on standard input (C(ssh), C(local)).
options:
  name:
    description:
      - The program's name (its C(service-name) unless O(settings) say).
    type: str
    required: true
  state:
    description:
      - V(present) (configured as declared), V(absent) (removed, and its processes stopped),
        V(started), V(stopped) or V(restarted) (present, then that). A program whose configuration
        just changed was restarted by the change, and V(restarted) does not restart it again.
    type: str
    default: present
    choices: [present, absent, started, stopped, restarted]
  facility:
    description:
      - Who maps O(settings) to the program, V(generic) (supervisord's program keys in kebab-case,
        such as C(command), C(user), C(environment)) or V(app-deploy).
    type: str
    default: generic
  settings:
    description:
      - The facility's settings, such as C(command) for V(generic).
    type: dict
    default: {}
  root:
    description:
      - The directory that stands for the host's root, for sandboxes.
    type: str
    default: /
extends_documentation_fragment:
  - supervisord_crate.supervision.components
attributes:
  action:
    description: Runs on the controller; the host sees only shell commands.
    support: full
  check_mode:
    description: Changes nothing and reports what would change.
    support: full
  diff_mode:
    description: Diffs of the program's file, with secrets redacted.
    support: full
  platform:
    description: Hosts with a POSIX C(sh) and C(python3).
    support: full
    platforms: posix
author:
  - supervisord-crate developers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: A worker under the supervisord another role installed
  supervisord_crate.supervision.supervisord_program:
    name: worker
    settings:
      command: /srv/app/bin/worker --queue default
      user: app

- name: Gone again
  supervisord_crate.supervision.supervisord_program:
    name: worker
    state: absent
"""

RETURN = r"""
steps:
  description: Every step of the plans with what came of it.
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
field:
  description: The offending field when a setting was refused.
  returned: on a refused setting
  type: str
  sample: settings.command
"""
