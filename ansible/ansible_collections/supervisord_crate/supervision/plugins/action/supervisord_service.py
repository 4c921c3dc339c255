# Copyright: supervisord-crate developers; Eclipse Public License 1.0
"""Action plugin of supervisord_crate.supervision.supervisord_service: one
service action with the seed's semantics, planned on the controller."""

from __future__ import annotations

from ansible_collections.supervisord_crate.supervision.plugins.plugin_utils import common
from ansible_collections.supervisord_crate.supervision.plugins.plugin_utils.spec import (
    ACTIONS,
    SUPERVISORD_SERVICE_SPEC,
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
            dummy, args = self.validate_argument_spec(
                argument_spec=SUPERVISORD_SERVICE_SPEC,
                required_if=[("state", "signalled", ("signal",))],
            )
            secrets = common.secrets_in(args["settings"])
            lib = common.require_supervision()
            runner = common.AnsibleRunner(self)
            name = "*" if args["name"] == "all" else args["name"]
            try:
                sup = common.make_supervision()
                report = sup.service(
                    ACTIONS[args["state"]],
                    name,
                    runner,
                    settings=args["settings"],
                    if_stopped=args["if_stopped"],
                    signal=args["signal"],
                    mode="check" if self._task.check_mode else "apply",
                    root=args["root"],
                )
            except lib.SupervisionError as error:
                result.update(common.failure(error))
            else:
                result.update(common.report_result(report, runner, False))
        except AnsibleAction as e:
            result.update(e.result)
        return common.scrubbed(result, secrets)
