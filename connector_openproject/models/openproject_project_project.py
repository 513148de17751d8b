# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import _, api, fields, models

from odoo.addons.queue_job.job import identity_exact

from .openproject_backend import ACTIVITY_FILTERS

_logger = logging.getLogger(__name__)

# Settings that change what a work package maps to: changing one re-imports
# the project's work packages on the next sync, without a manual force.
RESYNC_SETTINGS = ("sync", "sync_description", "activity_filter", "odoo_id")


class OpenProjectProjectProject(models.Model):
    """An OpenProject project, with its sync settings.

    Every project the sync sees gets one of these, synced or not, so that a
    connector manager can choose per project: whether it syncs, the Odoo
    project it goes to (a new one, or an existing one chosen by hand so that
    hours land where the company already plans and invoices), whether
    descriptions sync, which activities sync and whether time entries sync.
    The Odoo project is therefore an optional link, not an ``_inherits``.
    """

    _name = "openproject.project.project"
    _inherit = "openproject.binding"
    _description = "OpenProject Project"
    _order = "name"

    odoo_id = fields.Many2one(
        "project.project",
        string="Odoo Project",
        ondelete="set null",
        index=True,
        help="The Odoo project the work packages and time entries go to. Left "
        "empty, the sync creates one; choose an existing project to import into "
        "it instead.",
    )
    name = fields.Char(required=True)
    identifier = fields.Char(readonly=True)
    openproject_active = fields.Boolean(
        string="Active in OpenProject", default=True, readonly=True
    )
    parent_external_id = fields.Integer(string="Parent project ID", readonly=True)
    parent_id = fields.Many2one(
        "openproject.project.project",
        string="Parent project",
        compute="_compute_parent_id",
    )
    odoo_project_created = fields.Boolean(
        readonly=True,
        help="The Odoo project was created by the sync, which then keeps its "
        "name, description and archived state in line with OpenProject.",
    )
    sync = fields.Boolean(string="Sync this project")
    sync_description = fields.Boolean(string="Sync descriptions")
    activity_filter = fields.Selection(
        ACTIVITY_FILTERS, string="Activities to sync", default="all", required=True
    )
    sync_time_entries = fields.Boolean()
    resync_needed = fields.Boolean(
        readonly=True,
        help="A setting changed: the next sync re-imports this project's work "
        "packages whether they changed in OpenProject or not.",
    )
    resync_serial = fields.Integer(
        readonly=True,
        help="Counts the re-imports asked for, so that a sync that was already "
        "running when a setting changed does not clear the newer request.",
    )
    company_id = fields.Many2one(related="backend_id.company_id")

    def _compute_parent_id(self):
        for binding in self:
            binding.parent_id = (
                self.search(
                    [
                        ("backend_id", "=", binding.backend_id.id),
                        ("external_id", "=", binding.parent_external_id),
                    ],
                    limit=1,
                )
                if binding.parent_external_id
                else False
            )

    @api.model
    def _openproject_path(self, external_id):
        return f"/projects/{external_id}"

    def write(self, vals):
        watched = [key for key in RESYNC_SETTINGS if key in vals]
        before = {}
        if watched and not self.env.context.get("openproject_importing"):
            before = {b.id: {key: b[key] for key in watched} for b in self}
        res = super().write(vals)
        if before:
            changed = self.filtered(
                lambda b: any(b[key] != before[b.id][key] for key in watched)
            )
            for binding in changed:
                super(OpenProjectProjectProject, binding).write(
                    {"resync_needed": True, "resync_serial": binding.resync_serial + 1}
                )
        return res

    def action_sync_now(self):
        """Queue the sync of these projects' work packages and time entries."""
        self.backend_id._check_manager()
        for binding in self.filtered("sync"):
            binding.with_delay(
                channel="root.openproject",
                identity_key=identity_exact,
                description=_("Sync OpenProject project %(name)s", name=binding.name),
            ).import_work_packages()
        return True

    def import_work_packages(self):
        """Job: list the project's changed work packages, one job per page."""
        self.ensure_one()
        with self.backend_id.work_on(
            "openproject.project.task", project_binding=self
        ) as work:
            work.component(usage="project.synchronizer").import_work_packages()
        return True

    def import_time_entries(self):
        """Job: list the project's changed time entries, one job per page."""
        self.ensure_one()
        with self.backend_id.work_on(
            "openproject.account.analytic.line", project_binding=self
        ) as work:
            work.component(usage="project.synchronizer").import_time_entries()
        return True

    def sweep_deletions(self):
        """Job: find work packages and time entries deleted or moved away."""
        self.ensure_one()
        with self.backend_id.work_on(self._name) as work:
            work.component(usage="deletion.sweeper").run(self)
        return True

    def finish_sync(self, kind, newest_updated_at=None, resync_serial=None):
        """Job: all pages of a listing are imported; move the checkpoint on.

        ``resync_serial`` is the project's serial when the listing started:
        a re-import asked for since then stays asked for."""
        self.ensure_one()
        self.backend_id._check_manager()
        checkpoint = self.env["openproject.sync.checkpoint"]._get(
            self.backend_id, kind, self
        )
        if newest_updated_at:
            checkpoint.advance(newest_updated_at)
        if (
            kind == "work_packages"
            and self.resync_needed
            and (resync_serial is None or resync_serial == self.resync_serial)
        ):
            self.with_context(openproject_importing=True).resync_needed = False
        return True


class ProjectProject(models.Model):
    _inherit = "project.project"

    openproject_bind_ids = fields.One2many(
        "openproject.project.project", "odoo_id", string="OpenProject Bindings"
    )
    openproject_external_id = fields.Integer(
        string="OpenProject ID", compute="_compute_openproject_link"
    )
    openproject_url = fields.Char(
        string="OpenProject", compute="_compute_openproject_link"
    )

    @api.depends("openproject_bind_ids")
    def _compute_openproject_link(self):
        for project in self:
            binding = project.openproject_bind_ids[:1]
            project.openproject_external_id = binding.external_id
            project.openproject_url = (
                binding._openproject_web_url() if binding else False
            )
