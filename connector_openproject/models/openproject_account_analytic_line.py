# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class OpenProjectAccountAnalyticLine(models.Model):
    """An OpenProject time entry, imported as a timesheet line."""

    _name = "openproject.account.analytic.line"
    _inherit = "openproject.binding"
    _inherits = {"account.analytic.line": "odoo_id"}
    _description = "OpenProject Time Entry"

    odoo_id = fields.Many2one(
        "account.analytic.line",
        string="Timesheet line",
        required=True,
        ondelete="cascade",
        index=True,
    )
    openproject_activity = fields.Char(
        string="OpenProject activity",
        help="The activity the time was logged under (Development, Management...).",
    )
    work_package_external_id = fields.Integer(string="Work package ID")
    project_external_id = fields.Integer(string="OpenProject project ID", index=True)
    openproject_deleted = fields.Boolean(
        string="Deleted in OpenProject",
        readonly=True,
        help="The time entry was deleted in OpenProject, but the line is validated "
        "or invoiced in Odoo, so it was kept.",
    )

    @api.model
    def _openproject_path(self, external_id):
        return f"/time_entries/{external_id}"

    def _openproject_record_path(self):
        if self.work_package_external_id:
            return f"/work_packages/{self.work_package_external_id}/activity"
        return super()._openproject_record_path()


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    openproject_bind_ids = fields.One2many(
        "openproject.account.analytic.line", "odoo_id", string="OpenProject Bindings"
    )
    openproject_external_id = fields.Integer(
        string="Time entry ID", compute="_compute_openproject_link"
    )
    openproject_activity = fields.Char(
        string="OpenProject activity", compute="_compute_openproject_link"
    )
    openproject_url = fields.Char(
        string="OpenProject", compute="_compute_openproject_link"
    )

    @api.depends("openproject_bind_ids")
    def _compute_openproject_link(self):
        for line in self:
            binding = line.openproject_bind_ids[:1]
            line.openproject_external_id = binding.external_id
            line.openproject_activity = binding.openproject_activity
            line.openproject_url = binding._openproject_web_url() if binding else False
