# Copyright: supervisord-crate developers; Eclipse Public License 1.0
# This module is implemented by its action plugin; this file is its documentation.

DOCUMENTATION = r"""
module: supervisord
short_description: Install supervisord and run exactly the given programs under it
version_added: 0.1.0
description:
  - Installs supervisord (OS packages, or pip into a virtual environment), writes its configuration
    and one file per program group, and makes it run exactly the given services.
  - Only what differs changes. Only programs whose configuration changed restart; supervisord itself
    restarts only when its own configuration changes. Program files of its O(scope) that are no
    longer wanted are removed and their programs stopped; programs of other scopes stay.
  - Roles compose. Each task declares the programs of its scope, by default its role's name, and
    removes only those. A program another scope declares is refused, naming that scope. Tasks of
    other roles may own the same supervisord with exactly the same O(settings), or add programs
    with M(supervisord_crate.supervision.supervisord_program).
  - Runs on the controller. The supervisord-crate WebAssembly components (run with wasmtime) decide
    what to do; the managed host sees one command that reads its facts and, when something must
    change, one command that applies the change. The host needs only C(sh) and C(python3).
  - Every input is checked before the host is touched. A refused setting fails the task naming the
    field (for example V(services.web.settings.command)) and changes nothing on that host.
  - Values of C(environment) tables and the C(http.password) setting are secrets, masked in the
    result and shown as C(<redacted>) in diffs.
requirements:
  - The C(supervisord-crate) Python package (and so C(wasmtime)) on the controller.
  - A connection that can pass a script on standard input (C(ssh), C(local)).
options:
  settings:
    description:
      - The provider's settings, merged over its defaults for the host's OS family and install
        strategy. Keys include C(install) (C(strategy) V(packages) or V(pip), C(version)), C(user),
        C(prefix), C(paths), C(supervisord) and C(http). See docs/spec.md in supervisord-crate.
    type: dict
    default: {}
  services:
    description:
      - The services to run, by name. Each is a mapping with C(settings), and optionally C(facility)
        (default V(generic), whose settings are supervisord's program keys in kebab-case, such as
        C(command), C(user), C(autorestart), C(environment)) and C(supervisor) (V(supervisord)).
      - The facility V(app-deploy) is bundled; it maps C(run-command), C(service-name), C(user),
        C(port) and C(artifacts).
      - C(service-name) defaults to the key.
    type: dict
    default: {}
  scope:
    description:
      - Who declares these services. Every program file the task writes carries it, and the task
        removes only files of its own scope.
      - Defaults to the name of the task's role, or V(default) outside a role.
    type: str
  exclusive:
    description:
      - Own every program supervisord-crate manages on this supervisord, whatever scope wrote it
        (programs of other scopes that are not among O(services) are removed).
    type: bool
    default: false
  root:
    description:
      - The directory that stands for the host's root, for sandboxes. Every path the provider writes
        lies under it.
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
    description: Diffs of every file that changes, with secrets redacted.
    support: full
  platform:
    description: Hosts with a POSIX C(sh) and C(python3).
    support: full
    platforms: posix
author:
  - supervisord-crate developers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: The seed's example app under supervisord from the OS packages
  supervisord_crate.supervision.supervisord:
    services:
      example-app:
        facility: app-deploy
        settings:
          run-command: java -jar /opt/example-app/app.jar 8080
          user: supervisord
          port: 8080

- name: Two programs under a pip-installed supervisord run by its own user
  supervisord_crate.supervision.supervisord:
    settings:
      install:
        strategy: pip
        version: 4.3.0
      user: supervisor
    services:
      web:
        settings:
          command: /srv/web/bin/serve --port 8000
          environment:
            TOKEN: "{{ web_token }}"
      worker:
        settings:
          command: /srv/web/bin/worker
          numprocs: 2
          process-name: "%(program_name)s_%(process_num)02d"
"""

RETURN = r"""
steps:
  description: Every step of the plan with what came of it.
  returned: always
  type: list
  elements: dict
  contains:
    what:
      description: The resource, for example C(file /etc/supervisor/conf.d/web.conf).
      type: str
    reason:
      description: Why the plan has it.
      type: str
    status:
      description: One of V(ok), V(changed), V(failed) or V(not-run).
      type: str
    message:
      description: What the host said.
      type: str
programs:
  description: Program states supervisord reported.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The program, C(group:name) for a process of a group.
      type: str
    state:
      description: RUNNING, STOPPED, FATAL, ...
      type: str
    pid:
      description: Its pid when it runs.
      type: int
    detail:
      description: The rest of supervisord's description.
      type: str
round_trips:
  description: Remote commands this task ran on the host (1 when nothing had to change, else 2).
  returned: always
  type: int
field:
  description: The offending field when a setting was refused.
  returned: on a refused setting
  type: str
  sample: services.web.settings.command
"""
