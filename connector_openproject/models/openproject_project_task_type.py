# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class OpenProjectProjectTaskType(models.Model):
    """An OpenProject status, imported as a task stage."""

    _name = "openproject.project.task.type"
    _inherit = "openproject.binding"
    _inherits = {"project.task.type": "odoo_id"}
    _description = "OpenProject Status"

    odoo_id = fields.Many2one(
        "project.task.type", string="Stage", required=True, ondelete="cascade"
    )
    is_closed = fields.Boolean(string="Closed in OpenProject")

    @api.model
    def _openproject_path(self, external_id):
        return f"/statuses/{external_id}/edit"


class ProjectTaskType(models.Model):
    _inherit = "project.task.type"

    openproject_bind_ids = fields.One2many(
        "openproject.project.task.type", "odoo_id", string="OpenProject Bindings"
    )
