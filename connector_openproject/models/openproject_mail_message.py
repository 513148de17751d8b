# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from odoo.addons.queue_job.job import identity_exact


class OpenProjectMailMessage(models.Model):
    """A work package activity (a comment or an update), as a task message."""

    _name = "openproject.mail.message"
    _inherit = "openproject.binding"
    _inherits = {"mail.message": "odoo_id"}
    _description = "OpenProject Activity"

    odoo_id = fields.Many2one(
        "mail.message", string="Message", required=True, ondelete="cascade"
    )
    activity_type = fields.Selection(
        [("comment", "Comment"), ("update", "Update")], required=True
    )
    work_package_external_id = fields.Integer(string="Work package ID", index=True)

    @api.model
    def _openproject_path(self, external_id):
        return f"/activities/{external_id}"

    def _openproject_record_path(self):
        return (
            f"/work_packages/{self.work_package_external_id}/activity"
            f"#activity-{self.external_id}"
        )

    @api.model
    def import_activities(self, backend, work_package_ids, force=False):
        """Job: import the activities of these work packages."""
        with backend.work_on(self._name) as work:
            importer = work.component(usage="activities.importer")
            return importer.run(work_package_ids, force=force)

    @api.model
    def delayed_import_activities(self, backend, work_package_ids, force=False):
        return self.with_delay(
            channel="root.openproject",
            identity_key=identity_exact,
            description=f"Import activities of {len(work_package_ids)} work "
            "packages from OpenProject",
        ).import_activities(backend, work_package_ids, force=force)
