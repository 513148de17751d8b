# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import api, fields, models

from odoo.addons.queue_job.job import identity_exact

_logger = logging.getLogger(__name__)


class OpenProjectBinding(models.AbstractModel):
    """What every OpenProject binding has in common.

    A binding is a separate record beside the Odoo record it links: one Odoo
    task could in principle be known to two OpenProject instances, and the
    connector keeps its own bookkeeping (the OpenProject ``updatedAt`` it last
    imported, the sync date) without adding columns to the Odoo models.

    ``openproject_updated_at`` keeps the ``updatedAt`` text exactly as the
    server sent it: OpenProject gives milliseconds and an Odoo Datetime would
    round them away, making every record look changed on the next sync.
    """

    _name = "openproject.binding"
    _inherit = "external.binding"
    _description = "OpenProject Binding (abstract)"

    backend_id = fields.Many2one(
        comodel_name="openproject.backend",
        string="OpenProject Backend",
        required=True,
        ondelete="restrict",
        index=True,
    )
    external_id = fields.Integer(string="OpenProject ID", index=True, required=True)
    openproject_updated_at = fields.Char(
        string="Updated in OpenProject",
        readonly=True,
        help="The updatedAt value of the record when it was last imported.",
    )

    _sql_constraints = [
        (
            "openproject_uniq",
            "unique(backend_id, external_id)",
            "A binding already exists for this OpenProject record.",
        ),
    ]

    def _openproject_channel(self):
        return "root.openproject"

    @api.model
    def import_record(self, backend, external_id, force=False):
        """Job: import one OpenProject record, fetched by its id."""
        with backend.work_on(self._name) as work:
            importer = work.component(usage="record.importer")
            return importer.run(external_id, force=force)

    @api.model
    def import_records(self, backend, records, force=False, context=None):
        """Job: import a page of OpenProject records given as data.

        Each record is imported in its own savepoint by the batch importer; a
        record that fails is rolled back alone and re-queued as an
        ``import_record`` job that keeps the error for the user to see.
        ``context`` carries what the listing knew (the project binding, ...).
        """
        with backend.work_on(self._name, **(context or {})) as work:
            importer = work.component(usage="page.importer")
            return importer.run(records, force=force)

    @api.model
    def delayed_import_record(self, backend, external_id, force=False, **job_options):
        return self.with_delay(
            channel=self._openproject_channel(),
            identity_key=identity_exact,
            description=f"Import {self._description} {external_id} from OpenProject",
            **job_options,
        ).import_record(backend, external_id, force=force)

    def _openproject_web_url(self):
        """The URL of the record in OpenProject's web interface."""
        self.ensure_one()
        return self.backend_id.web_url(self._openproject_record_path())

    def _openproject_record_path(self):
        return self._openproject_path(self.external_id)

    @api.model
    def _openproject_path(self, external_id):
        """Path of a record in OpenProject's web interface, from its id."""
        raise NotImplementedError
