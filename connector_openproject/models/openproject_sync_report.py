# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class OpenProjectSyncEvent(models.Model):
    """What one job of a sync did: counts, or a record it could not import.

    The backend form sums the counts of its last run and lists the rows that
    carry a message (a record that failed or was skipped, and why).
    """

    _name = "openproject.sync.event"
    _description = "OpenProject Sync Event"
    _order = "id desc"

    backend_id = fields.Many2one(
        "openproject.backend", required=True, ondelete="cascade", index=True
    )
    run = fields.Integer(index=True, help="The backend's sync run it belongs to.")
    run_date = fields.Datetime(required=True)
    binding_model = fields.Char(string="Kind of record")
    external_id = fields.Integer(string="OpenProject ID")
    created = fields.Integer()
    updated = fields.Integer()
    skipped = fields.Integer()
    failed = fields.Integer()
    message = fields.Text()
