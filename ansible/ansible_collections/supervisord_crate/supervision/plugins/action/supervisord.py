# Copyright: supervisord-crate developers; Eclipse Public License 1.0
"""Action plugin of supervisord_crate.supervision.supervisord: converges
the host on the controller, through the supervisord-crate components."""

from __future__ import annotations

from ansible_collections.supervisord_crate.supervision.plugins.plugin_utils import common
from ansible_collections.supervisord_crate.supervision.plugins.plugin_utils.spec import (
    SUPERVISORD_SPEC,
)

from ansible.errors import AnsibleAction
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        secrets = set()
        try:
            dummy, args = self.validate_argument_spec(argument_spec=SUPERVISORD_SPEC)
            secrets = common.secrets_in(args["settings"]) | common.secrets_in(args["services"])
            lib = common.require_supervision()
            runner = common.AnsibleRunner(self)
            try:
                sup = common.make_supervision(args["facilities"], args["accept_unpinned"])
                report = sup.converge(
                    args["settings"],
                    args["services"],
                    runner,
                    mode="check" if self._task.check_mode else "apply",
                    diff=bool(self._task.diff),
                    root=args["root"],
                    scope=args["scope"] or common.default_scope(self._task),
                    exclusive=args["exclusive"],
                )
            except lib.SupervisionError as error:
                result.update(common.failure(error))
            else:
                result.update(common.report_result(report, runner, self._task.diff))
        except AnsibleAction as e:
            result.update(e.result)
        return common.scrubbed(result, secrets)
