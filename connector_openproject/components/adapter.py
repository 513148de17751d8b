# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Adapters: the connector's only way to the OpenProject API.

They wrap the Odoo-free client (``openproject_api``) and turn its typed
errors into the connector's exceptions, so that queue_job retries what a
later try can fix (network trouble, 5xx, 429, a truncated body) and fails,
with a sentence a user can act on, what it cannot (a refused key, a missing
permission).
"""

import logging
import queue
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from itertools import islice

from odoo.addons.component.core import AbstractComponent, Component
from odoo.addons.connector.exception import IDMissingInBackend, NetworkRetryableError
from odoo.addons.queue_job.exception import FailedJobError

from ..openproject_api import errors, filters

_logger = logging.getLogger(__name__)

# Only what the mappers read is kept of a record handed to a page job: the
# job's arguments are stored in the database, and `_embedded` resources and
# action links would multiply their size for nothing.
KEEP_LINK_KEYS = ("href", "title")


def compact_record(record):
    """A copy of an OpenProject resource without embedded resources."""
    compact = {key: value for key, value in record.items() if key != "_embedded"}
    links = {}
    for name, link in (record.get("_links") or {}).items():
        if isinstance(link, list):
            links[name] = [
                {k: v for k, v in item.items() if k in KEEP_LINK_KEYS}
                for item in link
                if isinstance(item, dict)
            ]
        elif isinstance(link, dict):
            links[name] = {k: v for k, v in link.items() if k in KEEP_LINK_KEYS}
    compact["_links"] = links
    return compact


class OpenProjectAdapter(AbstractComponent):
    _name = "openproject.adapter"
    _inherit = ["base.backend.adapter", "base.openproject.connector"]
    _usage = "backend.adapter"

    #: path of the collection under /api/v3, e.g. "work_packages"
    _collection_path = None

    @property
    def client(self):
        return self.work.client

    @contextmanager
    def _handle_errors(self, what, passthrough=(errors.InvalidQuery,)):
        """Translate client errors raised while doing ``what``.

        Errors of the ``passthrough`` kinds reach the caller unchanged: it
        has a fallback for them (an older server refusing a filter, a key
        that may not list users).
        """
        try:
            yield
        except passthrough:
            raise
        except errors.NotFound as err:
            raise IDMissingInBackend(
                f"{what}: not found in OpenProject (deleted, archived, or not "
                f"visible to the API key's user). {err.message}"
            ) from err
        except errors.OpenProjectError as err:
            if err.retryable:
                # queue_job tries the job again, up to its retry limit.
                raise NetworkRetryableError(
                    f"{what}: OpenProject is not answering properly ({err}). "
                    "If this lasts, check that OpenProject is up and reachable "
                    "from Odoo, then requeue the job."
                ) from err
            message = self.backend_record._connection_error_message(err)
            raise FailedJobError(f"{what}: {message}") from err

    def read(self, external_id):
        what = f"Reading {self._collection_path}/{external_id}"
        with self._handle_errors(what):
            return self.client.get(f"{self._collection_path}/{int(external_id)}")

    def iter_pages(self, path=None, filters=None, keyset=False):
        """Pages of compacted records (lists), the largest the server gives."""
        path = path or self._collection_path
        with self._handle_errors(f"Listing {path}"):
            for page in self.client.iter_pages(path, filters=filters, keyset=keyset):
                yield [compact_record(record) for record in page]

    def get_elements(self, path):
        with self._handle_errors(f"Reading {path}"):
            return self.client.get_elements(path)

    def list_ids(self, path=None, filters=None):
        path = path or self._collection_path
        with self._handle_errors(f"Listing the ids of {path}"):
            return self.client.list_ids(path, filters=filters)


class OpenProjectStatusAdapter(Component):
    _name = "openproject.status.adapter"
    _inherit = "openproject.adapter"
    _apply_on = "openproject.project.task.type"
    _collection_path = "statuses"

    def list_all(self):
        """Statuses are an unpaginated collection."""
        return [compact_record(r) for r in self.get_elements(self._collection_path)]


class OpenProjectUserAdapter(Component):
    _name = "openproject.user.adapter"
    _inherit = "openproject.adapter"
    _apply_on = "openproject.res.users"
    _collection_path = "users"

    def iter_user_pages(self):
        """Pages of users; raises MissingPermission for a non-admin key.

        ``/users`` needs an administrator (or the manage users permission);
        the caller falls back to :meth:`iter_principal_pages`.
        """
        with self._handle_errors(
            "Listing users", passthrough=(errors.MissingPermission,)
        ):
            for page in self.client.iter_pages("users"):
                yield [compact_record(record) for record in page]

    def iter_principal_pages(self):
        """Users, groups and placeholders sharing a project with the key's user."""
        return self.iter_pages(path="principals")


class OpenProjectProjectAdapter(Component):
    _name = "openproject.project.adapter"
    _inherit = "openproject.adapter"
    _apply_on = "openproject.project.project"
    _collection_path = "projects"

    def iter_all_pages(self):
        # An explicit empty filter list: admins then see archived projects too.
        return self.iter_pages(filters=[])


class OpenProjectWorkPackageAdapter(Component):
    _name = "openproject.work.package.adapter"
    _inherit = "openproject.adapter"
    _apply_on = "openproject.project.task"
    _collection_path = "work_packages"

    def iter_project_pages(self, project_id, since=None):
        """Work packages of a project changed since ``since`` (all if None).

        The filters are always explicit: without them OpenProject lists open
        work packages only, and closed ones would never reach Odoo.
        """
        # The project filter keeps subprojects' work packages out: they are
        # listed (and imported) with their own project.
        project_filters = filters.work_package_filters(
            project_id=project_id, since=since
        )
        return self.iter_pages(
            path=f"projects/{int(project_id)}/work_packages",
            filters=project_filters,
            keyset=True,
        )


class OpenProjectTimeEntryAdapter(Component):
    _name = "openproject.time.entry.adapter"
    _inherit = "openproject.adapter"
    _apply_on = "openproject.account.analytic.line"
    _collection_path = "time_entries"

    def iter_project_pages(self, project_id, since=None):
        """Finished time entries of a project changed since ``since``.

        Running timers are excluded on purpose: their hours are not known yet.
        Raises InvalidQuery when the server refuses the updatedAt filter
        (OpenProject 7.x), so the caller can fall back to a full listing.
        """
        entry_filters = filters.time_entry_filters(
            project_id=project_id, since=since, include_running=False
        )
        with self._handle_errors(f"Listing time entries of project {project_id}"):
            for page in self.client.iter_pages(
                "time_entries", filters=entry_filters, keyset=since is not None
            ):
                yield [compact_record(record) for record in page]


class OpenProjectActivityAdapter(Component):
    _name = "openproject.activity.adapter"
    _inherit = "openproject.adapter"
    _apply_on = "openproject.mail.message"
    _collection_path = "activities"

    @staticmethod
    def _path_for(work_package_id):
        return f"work_packages/{int(work_package_id)}/activities"

    def list_for_work_package(self, work_package_id):
        """Activities of a work package (an unpaginated collection)."""
        return [
            compact_record(record)
            for record in self.get_elements(self._path_for(work_package_id))
        ]

    def iter_for_work_packages(self, work_package_ids, parallel=1):
        """``(work package id, read)`` for each id, in order, where ``read()``
        returns that work package's activities or raises what reading them
        raised, so the caller handles each failure on its own.

        OpenProject has no collection of activities across work packages: one
        request per work package. Up to ``parallel`` of them are made at the
        same time, each thread with a client of its own (a client is not
        shared between threads), and at most twice that many work packages
        are read ahead of the caller. Close the generator (``closing``) when
        stopping early: it waits for the requests under way.
        """
        ids = [int(i) for i in work_package_ids]
        parallel = min(max(int(parallel or 1), 1), len(ids))
        if parallel <= 1:
            for work_package_id in ids:
                yield (
                    work_package_id,
                    partial(self.list_for_work_package, work_package_id),
                )
            return
        # Clients are made here, in the job's thread: making one reads the
        # backend, and the ORM is not for other threads.
        clients = [self.backend_record._get_client() for _ in range(parallel)]
        idle = queue.SimpleQueue()
        for client in clients:
            idle.put(client)

        def fetch(work_package_id):
            client = idle.get()
            try:
                return client.get_elements(self._path_for(work_package_id))
            finally:
                idle.put(client)

        executor = ThreadPoolExecutor(
            max_workers=parallel, thread_name_prefix="openproject-activities"
        )
        try:
            ahead = deque()
            todo = iter(ids)
            for work_package_id in islice(todo, 2 * parallel):
                ahead.append((work_package_id, executor.submit(fetch, work_package_id)))
            while ahead:
                work_package_id, future = ahead.popleft()
                following = next(todo, None)
                if following is not None:
                    ahead.append((following, executor.submit(fetch, following)))
                yield (
                    work_package_id,
                    partial(self._activities_of, work_package_id, future),
                )
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
            for client in clients:
                client.close()

    def _activities_of(self, work_package_id, future):
        with self._handle_errors(f"Reading {self._path_for(work_package_id)}"):
            return [compact_record(record) for record in future.result()]


class OpenProjectBackendAdapter(Component):
    """Instance-wide reads: root, the key's user, priorities."""

    _name = "openproject.backend.adapter"
    _inherit = "openproject.adapter"
    _apply_on = "openproject.backend"

    def priorities(self):
        with self._handle_errors("Reading priorities"):
            return list(self.client.iter_elements("priorities"))

    def types(self):
        with self._handle_errors("Reading types"):
            return list(self.client.iter_elements("types"))
