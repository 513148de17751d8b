# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class OpenProjectProjectTask(models.Model):
    """An OpenProject work package, imported as a task."""

    _name = "openproject.project.task"
    _inherit = "openproject.binding"
    _inherits = {"project.task": "odoo_id"}
    _description = "OpenProject Work Package"

    odoo_id = fields.Many2one(
        "project.task", string="Task", required=True, ondelete="cascade", index=True
    )
    project_binding_id = fields.Many2one(
        "openproject.project.project",
        string="OpenProject project",
        ondelete="set null",
        index=True,
    )
    display_id = fields.Char(
        string="OpenProject display ID",
        help="The work package's display id (OpenProject 17.5 and newer).",
    )
    lock_version = fields.Integer(readonly=True)
    openproject_type = fields.Char(string="Type")
    assignee_note = fields.Char(
        string="OpenProject assignee",
        help="A group or placeholder user the work package is assigned to in "
        "OpenProject; Odoo tasks are assigned to users only, so it is noted here.",
    )
    activities_synced_at = fields.Char(
        readonly=True,
        help="The work package's updatedAt when its activities were last imported.",
    )

    @api.model
    def _openproject_path(self, external_id):
        return f"/work_packages/{external_id}"


class ProjectTask(models.Model):
    _inherit = "project.task"

    openproject_bind_ids = fields.One2many(
        "openproject.project.task", "odoo_id", string="OpenProject Bindings"
    )
    openproject_external_id = fields.Integer(
        string="Work package ID", compute="_compute_openproject_link"
    )
    openproject_display_id = fields.Char(
        string="Work package display ID", compute="_compute_openproject_link"
    )
    openproject_url = fields.Char(
        string="OpenProject", compute="_compute_openproject_link"
    )

    @api.depends("openproject_bind_ids")
    def _compute_openproject_link(self):
        for task in self:
            binding = task.openproject_bind_ids[:1]
            task.openproject_external_id = binding.external_id
            task.openproject_display_id = binding.display_id or (
                binding and str(binding.external_id)
            )
            task.openproject_url = binding._openproject_web_url() if binding else False
