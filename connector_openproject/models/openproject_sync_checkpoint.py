# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from datetime import timedelta

from odoo import api, fields, models

from ..openproject_api import values

_logger = logging.getLogger(__name__)

# Changes are asked for from a little before the checkpoint: clocks of the
# OpenProject server and of its database differ, and records written in the
# same millisecond as the checkpoint must not be lost.
OVERLAP = timedelta(minutes=5)


class OpenProjectSyncCheckpoint(models.Model):
    """How far the import of one kind of record of one project has come.

    ``updated_since`` is the newest ``updatedAt`` of a complete listing. It
    is written by a job that queue_job runs only after all the page jobs of
    that listing are done, so a failed or cancelled page never lets its
    changes be skipped: the next sync lists them again. The listing walks by
    ``updatedAt`` (keyset), so a record changed while it runs is seen with
    its newer time and cannot be left behind the checkpoint.
    """

    _name = "openproject.sync.checkpoint"
    _description = "OpenProject Sync Checkpoint"

    backend_id = fields.Many2one(
        "openproject.backend", required=True, ondelete="cascade", index=True
    )
    project_binding_id = fields.Many2one(
        "openproject.project.project", ondelete="cascade", index=True
    )
    kind = fields.Selection(
        [
            ("projects", "Projects"),
            ("work_packages", "Work packages"),
            ("time_entries", "Time entries"),
        ],
        required=True,
    )
    updated_since = fields.Datetime(
        help="Changes made after this time are imported by the next sync."
    )
    swept_at = fields.Datetime(
        help="When deleted work packages and time entries were last looked for."
    )
    filter_refused = fields.Boolean(
        help="The server refused the updatedAt filter for this collection (older "
        "OpenProject versions): the sync lists everything and skips unchanged "
        "records by comparing updatedAt."
    )

    _sql_constraints = [
        (
            "checkpoint_uniq",
            "unique(backend_id, project_binding_id, kind)",
            "There is already a checkpoint for this kind of record.",
        ),
    ]

    @api.model
    def _get(self, backend, kind, project_binding=None):
        domain = [
            ("backend_id", "=", backend.id),
            ("kind", "=", kind),
            (
                "project_binding_id",
                "=",
                project_binding.id if project_binding else False,
            ),
        ]
        checkpoint = self.search(domain, limit=1)
        if not checkpoint:
            checkpoint = self.create(
                {
                    "backend_id": backend.id,
                    "kind": kind,
                    "project_binding_id": project_binding.id
                    if project_binding
                    else False,
                }
            )
        return checkpoint

    def since(self):
        """Lower bound of the next listing, overlap included, or None."""
        self.ensure_one()
        if not self.updated_since:
            return None
        return self.updated_since - OVERLAP

    def advance(self, newest_updated_at):
        """Job: every record of the listing, up to this updatedAt, is imported."""
        self.ensure_one()
        try:
            started = values.parse_datetime(newest_updated_at)
        except ValueError:
            started = None
        # A record stamped in the future (a server clock that is off) must
        # not move the checkpoint past changes still to come.
        now = fields.Datetime.now()
        if started and started > now + timedelta(minutes=1):
            _logger.warning(
                "OpenProject %s: newest updatedAt %s is in the future; the %s "
                "checkpoint stops at now",
                self.backend_id.name,
                newest_updated_at,
                self.kind,
            )
            started = now
        if started and (not self.updated_since or started > self.updated_since):
            self.updated_since = started
        return True
