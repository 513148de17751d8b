# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.addons.component.core import Component


class OpenProjectBinder(Component):
    """Links OpenProject ids to bindings, for every binding model.

    ``to_internal_many`` reads the bindings of a whole page in one query, so
    a page job does not search once per record.
    """

    _name = "openproject.binder"
    _inherit = ["base.binder", "base.openproject.connector"]
    _apply_on = [
        "openproject.res.users",
        "openproject.project.project",
        "openproject.project.task",
        "openproject.account.analytic.line",
        "openproject.mail.message",
        "openproject.project.task.type",
    ]

    def to_internal_many(self, external_ids):
        """Bindings of these OpenProject ids, as a dict id -> binding."""
        ids = [int(i) for i in external_ids if not self._is_empty_id(i)]
        if not ids:
            return {}
        bindings = self.model.with_context(active_test=False).search(
            [
                (self._external_field, "in", ids),
                (self._backend_field, "=", self.backend_record.id),
            ]
        )
        return {binding[self._external_field]: binding for binding in bindings}
