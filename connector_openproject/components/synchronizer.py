# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Synchronizers: what a sync run lists, and the jobs it queues for it.

The backend synchronizer imports the small shared collections (priorities,
statuses, users, projects) in its own job, then queues one job per synced
project. The project synchronizer lists what changed since the project's
checkpoint, page by page, and queues one job per page; a last job, which
queue_job starts only once every page job is done, moves the checkpoint on.
The number of jobs thus grows with pages, not with records.
"""

import itertools
import logging
from datetime import timedelta

from odoo import fields

from odoo.addons.component.core import Component
from odoo.addons.connector.exception import IDMissingInBackend
from odoo.addons.queue_job.delay import chain, group
from odoo.addons.queue_job.job import identity_exact

from ..openproject_api import errors, filters, values
from .adapter import compact_record
from .core import IMPORT_CONTEXT
from .importer import archive_task, line_is_locked

_logger = logging.getLogger(__name__)

# Work packages whose activities are behind, queued again: at most this many
# per job, so that a job stays short after many activity jobs failed.
BEHIND_PER_JOB = 500

CHANNEL = "root.openproject"


class BackendSynchronizer(Component):
    _name = "openproject.backend.synchronizer"
    _inherit = "base.openproject.connector"
    _apply_on = "openproject.backend"
    _usage = "backend.synchronizer"

    def run(self):
        backend = self.backend_record
        # Two syncs of one backend (the cron and the button, say) import the
        # shared collections one after the other; their page jobs may overlap.
        self.advisory_lock_or_retry(
            f"openproject_sync_backend({backend.id})", retry_seconds=10
        )
        backend._check_instance(self.work.client)
        self._import_priorities()
        self._import_types()
        self._import_pages(
            "openproject.project.task.type",
            [self._adapter("openproject.project.task.type").list_all()],
        )
        self._import_users()
        self._import_pages(
            "openproject.project.project",
            self._adapter("openproject.project.project").iter_all_pages(),
        )
        projects = self.env["openproject.project.project"].search(
            [
                ("backend_id", "=", backend.id),
                ("sync", "=", True),
                ("openproject_active", "=", True),
            ]
        )
        sweep_before = fields.Datetime.now() - timedelta(
            hours=backend.sweep_interval_hours
        )
        Checkpoint = self.env["openproject.sync.checkpoint"]
        for project in projects:
            project.with_delay(
                channel=CHANNEL,
                identity_key=identity_exact,
                description=f"Sync OpenProject project {project.name}",
            ).import_work_packages()
            checkpoint = Checkpoint._get(backend, "work_packages", project)
            if not checkpoint.swept_at or checkpoint.swept_at <= sweep_before:
                project.with_delay(
                    channel=CHANNEL,
                    identity_key=identity_exact,
                    description=f"Find deletions in OpenProject project {project.name}",
                ).sweep_deletions()
        _logger.info(
            "OpenProject %s: shared collections imported, %s projects queued",
            backend.name,
            len(projects),
        )

    def _adapter(self, model_name):
        return self.component(usage="backend.adapter", model_name=model_name)

    def _import_pages(self, model_name, pages):
        importer = self.component(usage="page.importer", model_name=model_name)
        for page in pages:
            importer.run(page)

    def _import_priorities(self):
        """Remember which priorities rank above the default one (starred)."""
        priorities = self._adapter("openproject.backend").priorities()
        default = next((p for p in priorities if p.get("isDefault")), None)
        threshold = int(default.get("position") or 0) if default else None
        high = sorted(
            int(p["id"])
            for p in priorities
            if threshold is not None and int(p.get("position") or 0) > threshold
        )
        self.backend_record.sudo().high_priority_ids = ",".join(map(str, high))

    def _import_types(self):
        """Find or create the task tag of every work package type, here.

        Page jobs only look tags up: created by parallel jobs, the same tag
        would break the tags' unique name.
        """
        Tag = self.env["project.tags"].with_context(**IMPORT_CONTEXT)
        names = {
            record.get("name")
            for record in self._adapter("openproject.backend").types()
            if record.get("name")
        }
        existing = set(Tag.search([("name", "in", list(names))]).mapped("name"))
        if names - existing:
            # Tag names are unique in the database, whatever the backend.
            self.advisory_lock_or_retry("openproject_project_tags", retry_seconds=5)
            existing = set(Tag.search([("name", "in", list(names))]).mapped("name"))
        for name in sorted(names - existing):
            Tag.create({"name": name})

    def _import_users(self):
        adapter = self._adapter("openproject.res.users")
        try:
            self._import_pages("openproject.res.users", adapter.iter_user_pages())
        except errors.MissingPermission:
            _logger.info(
                "OpenProject %s: the API key may not list users; importing the "
                "principals it can see instead",
                self.backend_record.name,
            )
            self._import_pages("openproject.res.users", adapter.iter_principal_pages())


class ProjectSynchronizer(Component):
    _name = "openproject.project.synchronizer"
    _inherit = "base.openproject.connector"
    _apply_on = ["openproject.project.task", "openproject.account.analytic.line"]
    _usage = "project.synchronizer"

    @property
    def project_binding(self):
        return self.work.project_binding

    def _checkpoint(self, kind):
        return self.env["openproject.sync.checkpoint"]._get(
            self.backend_record, kind, self.project_binding
        )

    def _queue_pages(self, pages, kind, force, then=None):
        """One job per page, then the checkpoint job, then the job ``then()``
        prepares (if any). Returns the pages queued."""
        binding = self.project_binding
        page_jobs = []
        newest = None
        page_importer = self.component(usage="page.importer")
        for page in pages:
            if not page:
                continue
            for record in page:
                try:
                    stamp_at = values.parse_datetime(record.get("updatedAt"))
                except ValueError:
                    # Imported (and reported) by its page; not a checkpoint.
                    continue
                if stamp_at and (
                    newest is None or stamp_at > values.parse_datetime(newest)
                ):
                    newest = record["updatedAt"]
            if not force:
                page = page_importer.changed_records(page, binding)
                if not page:
                    continue
            # Jobs are prepared once the whole listing went through (see
            # time_entries in import_work_packages).
            page_jobs.append(page)
        if not page_jobs:
            # Nothing to import: the checkpoint moves on in this job.
            binding.finish_sync(kind, newest, binding.resync_serial)
            if then is not None:
                then().delay()
            return page_jobs
        finish = binding.delayable(
            channel=CHANNEL,
            description=f"Finish the {kind.replace('_', ' ')} sync of OpenProject "
            f"project {binding.name}",
        ).finish_sync(kind, newest, binding.resync_serial)
        tail = chain(finish, then()) if then is not None else finish
        group(
            *(
                self.model.delayable(
                    channel=CHANNEL,
                    description=f"Import {len(page)} {kind.replace('_', ' ')} of "
                    f"OpenProject project {binding.name}",
                ).import_records(self.backend_record, page, force=force)
                for page in page_jobs
            )
        ).on_done(tail).delay()
        return page_jobs

    def import_work_packages(self):
        binding = self.project_binding
        checkpoint = self._checkpoint("work_packages")
        force = binding.resync_needed
        since = None if force else checkpoint.since()
        pages = self.component(usage="backend.adapter").iter_project_pages(
            binding.external_id, since=since
        )

        def time_entries():
            # Prepared only once the listing went through: a delayable that
            # is never delayed (the listing failed) makes queue_job warn.
            return binding.delayable(
                channel=CHANNEL,
                description=f"Sync time entries of OpenProject project {binding.name}",
            ).import_time_entries()

        queued = self._queue_pages(pages, "work_packages", force, then=time_entries)
        _logger.info(
            "OpenProject project %s: %s pages of work packages queued (since %s)",
            binding.name,
            len(queued),
            since,
        )
        self._queue_activities_behind(queued)

    def _queue_activities_behind(self, queued_pages):
        """Queue the activities of the project's tasks that are behind and
        that no page of this sync imports.

        A task's activities are behind when they were not imported for the
        version of the work package it holds: their job failed for good (or
        was cancelled) after the work package's page went through, and the
        work package, unchanged since, is listed no more. Without this they
        would wait for the next change in OpenProject.
        """
        binding = self.project_binding
        if binding.activity_filter == "none":
            return
        queued = {int(record["id"]) for page in queued_pages for record in page}
        Task = self.env["openproject.project.task"]
        Task.flush_model(
            ["backend_id", "project_binding_id", "external_id"]
            + ["activities_synced_at", "openproject_updated_at"]
        )
        self.env["project.task"].flush_model(["active"])
        self.env.cr.execute(
            """
            SELECT b.external_id
              FROM openproject_project_task b
              JOIN project_task t ON t.id = b.odoo_id
             WHERE b.backend_id = %s AND b.project_binding_id = %s AND t.active
               AND b.activities_synced_at IS DISTINCT FROM b.openproject_updated_at
             ORDER BY b.external_id
            """,
            (self.backend_record.id, binding.id),
        )
        behind = [row[0] for row in self.env.cr.fetchall() if row[0] not in queued]
        if behind:
            # Those an activity job not yet done holds (a sync still under
            # way, a job waiting for its retry) come with that job.
            behind = sorted(
                set(behind)
                - self.env["openproject.mail.message"]._activities_in_flight(
                    self.backend_record, behind
                )
            )
        if not behind:
            return
        _logger.info(
            "OpenProject project %s: activities of %s work packages are "
            "behind and queued again",
            binding.name,
            len(behind),
        )
        for start in range(0, len(behind), BEHIND_PER_JOB):
            self.env["openproject.mail.message"].delayed_import_activities(
                self.backend_record, behind[start : start + BEHIND_PER_JOB]
            )

    def import_time_entries(self):
        binding = self.project_binding
        if not binding.sync_time_entries:
            return
        checkpoint = self._checkpoint("time_entries")
        adapter = self.component(usage="backend.adapter")
        since = None if checkpoint.filter_refused else checkpoint.since()
        pages = adapter.iter_project_pages(binding.external_id, since=since)
        try:
            # The first request tells whether the server accepts the filter.
            first = next(pages, None)
        except errors.InvalidQuery:
            if since is None:
                raise
            # OpenProject 7.x cannot filter time entries by updatedAt: list
            # them all from now on; unchanged ones are skipped by comparing
            # their updatedAt with the bindings'.
            _logger.info(
                "OpenProject project %s: the server refuses the updatedAt filter "
                "on time entries; listing all of them",
                binding.name,
            )
            checkpoint.filter_refused = True
            pages = adapter.iter_project_pages(binding.external_id, since=None)
            first = next(pages, None)
        if first is not None:
            pages = itertools.chain([first], pages)
        queued = self._queue_pages(pages, "time_entries", False)
        _logger.info(
            "OpenProject project %s: %s pages of time entries queued",
            binding.name,
            len(queued),
        )


class DeletionSweeper(Component):
    """Find what was deleted in OpenProject, or moved out of a project.

    OpenProject has no deletion feed: the sweeper compares a lean id listing
    of the project's work packages and time entries with the bindings, and
    asks for each binding missing from it by id. A 404 means deleted (or no
    longer visible): the task is archived with a note, never deleted; the
    timesheet line is removed unless it is validated or invoiced, in which
    case it is kept, flagged and reported. A record that still answers has
    moved: it is imported again, which moves it or archives it.
    """

    _name = "openproject.deletion.sweeper"
    _inherit = "base.openproject.connector"
    _apply_on = "openproject.project.project"
    _usage = "deletion.sweeper"

    def run(self, project_binding):
        self._sweep_work_packages(project_binding)
        if project_binding.sync_time_entries:
            self._sweep_time_entries(project_binding)
        self.env["openproject.sync.checkpoint"]._get(
            self.backend_record, "work_packages", project_binding
        ).swept_at = fields.Datetime.now()

    def _sweep_work_packages(self, project_binding):
        model = "openproject.project.task"
        adapter = self.component(usage="backend.adapter", model_name=model)
        listed = set(
            adapter.list_ids(
                path=f"projects/{project_binding.external_id}/work_packages",
                filters=filters.work_package_filters(
                    project_id=project_binding.external_id
                ),
            )
        )
        bindings = self.env[model].search(
            [
                ("backend_id", "=", self.backend_record.id),
                ("project_binding_id", "=", project_binding.id),
            ]
        )
        importer = self.component(usage="record.importer", model_name=model)
        for binding in bindings.filtered(lambda b: b.external_id not in listed):
            try:
                record = adapter.read(binding.external_id)
            except IDMissingInBackend:
                archive_task(
                    binding,
                    f"Archived by the OpenProject sync: work package "
                    f"{binding.external_id} was deleted in OpenProject (or is no "
                    "longer visible to the sync user).",
                )
                self.backend_record._record_sync_event(
                    model,
                    {"updated": 1},
                    external_id=binding.external_id,
                    message=f"OpenProject work package {binding.external_id} is "
                    "gone: its task is archived.",
                )
                continue
            importer.run(binding.external_id, record=compact_record(record))

    def _sweep_time_entries(self, project_binding):
        model = "openproject.account.analytic.line"
        adapter = self.component(usage="backend.adapter", model_name=model)
        listed = set(
            adapter.list_ids(
                path="time_entries",
                filters=filters.time_entry_filters(
                    project_id=project_binding.external_id
                ),
            )
        )
        bindings = self.env[model].search(
            [
                ("backend_id", "=", self.backend_record.id),
                ("project_external_id", "=", project_binding.external_id),
                ("openproject_deleted", "=", False),
            ]
        )
        importer = self.component(usage="record.importer", model_name=model)
        for binding in bindings.filtered(lambda b: b.external_id not in listed):
            try:
                record = adapter.read(binding.external_id)
            except IDMissingInBackend:
                self._remove_line(binding, "was deleted")
                continue
            elsewhere = self._unsynced_project_of(record)
            if elsewhere:
                # Moved to a project whose time entries Odoo does not import:
                # the line would count its hours on the wrong project.
                self._remove_line(
                    binding,
                    f"moved to OpenProject project {elsewhere.name}, whose time "
                    "entries are not synced",
                )
                continue
            importer.run(binding.external_id, record=compact_record(record))

    def _unsynced_project_of(self, record):
        """The project binding of a time entry's project when that project's
        time entries are not imported; empty otherwise (also when the project
        is not known yet: the next backend sync binds it)."""
        Projects = self.env["openproject.project.project"]
        try:
            ref = values.link_ref(record, "project")
        except (ValueError, TypeError, AttributeError):
            ref = None
        if not ref:
            return Projects.browse()
        project_binding = self.binder_for("openproject.project.project").to_internal(
            ref[1]
        )
        if project_binding and not (
            project_binding.sync and project_binding.sync_time_entries
        ):
            return project_binding
        return Projects.browse()

    def _remove_line(self, binding, what_happened):
        external_id = binding.external_id
        model = binding._name
        if line_is_locked(binding.odoo_id):
            binding.with_context(**IMPORT_CONTEXT).openproject_deleted = True
            self.backend_record._record_sync_event(
                model,
                {"skipped": 1},
                external_id=external_id,
                message=f"OpenProject time entry {external_id} {what_happened}, but "
                "its timesheet line is validated or invoiced in Odoo: it is kept "
                "and flagged. Correct it by hand if needed.",
            )
            return
        binding.odoo_id.unlink()
        self.backend_record._record_sync_event(
            model,
            {"updated": 1},
            external_id=external_id,
            message=f"OpenProject time entry {external_id} {what_happened}: its "
            "timesheet line is removed.",
        )
