# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class QueueJob(models.Model):
    _inherit = "queue.job"

    def related_action_openproject_link(self):
        """Open in OpenProject the record a connector job works on.

        Jobs that import one record carry ``(backend, external_id)`` as their
        first arguments; page jobs and sync jobs open the backend's instance.
        """
        self.ensure_one()
        args = self.args or []
        backend = args[0] if args else None
        if not (backend and getattr(backend, "_name", "") == "openproject.backend"):
            return None
        path = ""
        model = self.env[self.model_name]
        if (
            len(args) > 1
            and isinstance(args[1], int)
            and "_openproject_path" in dir(model)
        ):
            path = model._openproject_path(args[1])
        return {
            "type": "ir.actions.act_url",
            "url": backend.web_url(path),
            "target": "new",
        }
