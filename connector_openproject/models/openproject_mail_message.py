# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json

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

    @api.model
    def _activities_in_flight(self, backend, work_package_ids, started=True):
        """Those of these work packages that an activity job of this backend
        not yet done holds: waiting, pending, enqueued and, with ``started``,
        running (a running job may have read the activities already)."""
        if not work_package_ids:
            return set()
        states = ["wait_dependencies", "pending", "enqueued"]
        if started:
            states.append("started")
        self.env["queue.job"].flush_model(
            ["state", "args", "model_name", "method_name"]
        )
        # queue_job stores the arguments as a JSON document inside a jsonb
        # string; read either form.
        self.env.cr.execute(
            """
            WITH jobs AS (
                SELECT CASE WHEN jsonb_typeof(args) = 'string'
                            THEN (args #>> '{}')::jsonb ELSE args END AS args
                  FROM queue_job
                 WHERE model_name = %s
                   AND method_name = 'import_activities'
                   AND state = ANY(%s)
            )
            SELECT DISTINCT wp.value
              FROM jobs job
             CROSS JOIN LATERAL jsonb_array_elements(
                   CASE WHEN jsonb_typeof(job.args -> 1) = 'array'
                        THEN job.args -> 1 ELSE '[]'::jsonb END
             ) AS wp
             WHERE job.args -> 0 -> 'ids' @> %s::jsonb
               AND %s::jsonb @> wp.value
            """,
            (
                self._name,
                states,
                json.dumps([backend.id]),
                json.dumps([int(i) for i in work_package_ids]),
            ),
        )
        return {int(row[0]) for row in self.env.cr.fetchall()}
