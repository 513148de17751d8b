# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Importers: a page of records, one record, and the activities of tasks.

A page job hands its records to the page importer, which imports each in
its own savepoint through the record importer of the model. A record that
fails is rolled back alone, reported on the backend, and queued again as a
single-record job that fetches it fresh: that job either heals it or fails
with the reason, for a user to read on the job. Concurrency problems (a lock
held by another worker, a serialization failure) are not a record's fault:
they abort the whole page job, which queue_job retries.
"""

import hashlib
import logging
import struct
from contextlib import closing, contextmanager

import psycopg2
from psycopg2 import errorcodes

from odoo import fields

from odoo.addons.component.core import AbstractComponent, Component
from odoo.addons.connector.exception import (
    IDMissingInBackend,
    MappingError,
    NetworkRetryableError,
)
from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError

from ..openproject_api import errors, values
from .core import IMPORT_CONTEXT
from .mapper import record_label

_logger = logging.getLogger(__name__)

CREATED, UPDATED, SKIPPED = "created", "updated", "skipped"


def _same_value(record, name, new):
    """Whether writing ``new`` to ``record[name]`` would change nothing."""
    field = record._fields[name]
    current = record[name]
    if field.type in ("many2many", "one2many"):
        if isinstance(new, list) and len(new) == 1 and new[0][0] == 6:
            return set(current.ids) == set(new[0][2])
        return False
    if field.type == "many2one":
        return current.id == (new or False) or (not current and not new)
    if field.type == "html":
        # Odoo sanitizes HTML when it stores it: compare what would be stored.
        return (current or "") == (field.convert_to_cache(new, record) or "")
    if field.type == "date":
        return current == (fields.Date.to_date(new) if new else False)
    if field.type == "datetime":
        return current == (fields.Datetime.to_datetime(new) if new else False)
    if field.type == "float":
        return round(current or 0.0, 6) == round(new or 0.0, 6)
    return (current or False) == (new or False)


class DeferredDependency(Exception):
    """A record needs another that its page has mapped but not created yet:
    the page creates what it holds back, then imports the record again."""


def line_is_locked(line):
    """Whether Odoo forbids the sync to change or remove a timesheet line.

    A line validated by a timesheet approver (the ``validated`` flag of the
    timesheet approval module) or invoiced (``timesheet_invoice_id`` of
    sale_timesheet) is the company's record of what was billed.
    """
    if "validated" in line._fields and line.validated:
        return True
    if "timesheet_invoice_id" in line._fields and line.timesheet_invoice_id:
        return True
    return False


def archive_task(binding, note):
    """Archive a task OpenProject no longer shows here, saying why in its chatter."""
    task = binding.odoo_id.with_context(**IMPORT_CONTEXT)
    if task.active:
        task.write({"active": False})
    task.message_post(body=note, subtype_xmlid="mail.mt_note")


class OpenProjectRecordImporter(AbstractComponent):
    """Import one OpenProject record: dependencies first, then map and write."""

    _name = "openproject.importer"
    _inherit = ["base.importer", "base.openproject.connector"]
    _usage = "record.importer"

    def __init__(self, work_context):
        super().__init__(work_context)
        self.external_id = None
        self.skip_reason = None
        # A list when the caller creates new records in batches: ``run``
        # then leaves ``(external_id, vals, record)`` there instead of
        # creating, and the caller hands them to ``create_batch``.
        self.deferred = None

    # --- the flow ----------------------------------------------------------------

    def run(self, external_id, record=None, force=False, binding=None):
        """Import a record, given as data or fetched by id.

        :returns: ``"created"``, ``"updated"`` or ``"skipped"``; when a record
            is skipped for a reason a user should know, ``self.skip_reason``
            says it.
        """
        self.external_id = int(external_id)
        self.skip_reason = None
        self._lock(self.external_id)
        if record is None:
            record = self._fetch()
        if binding is None:
            binding = self.binder.to_internal(self.external_id)
        self.skip_reason = self._skip_reason(record, binding)
        if self.skip_reason is not None:
            return SKIPPED
        if not force and self._is_uptodate(binding, record):
            return SKIPPED
        self._import_dependencies(record)
        map_record = self.mapper.map_record(record)
        if binding:
            vals = map_record.values(**self._mapper_options(record, binding))
            result = UPDATED if self._update(binding, vals) else SKIPPED
        else:
            vals = map_record.values(
                for_create=True, **self._mapper_options(record, binding)
            )
            if self.deferred is not None:
                self.deferred.append((self.external_id, vals, record))
                return CREATED
            binding = self._create(vals)
            result = CREATED
        self._after_import(binding, record, result)
        return result

    def _fetch(self):
        return self.backend_adapter.read(self.external_id)

    # --- locks: one worker at a time imports a given record -------------------------

    def _lock_name(self, external_id):
        return (
            f"openproject_import({self.backend_record.id}, {self.model._name}, "
            f"{int(external_id)})"
        )

    def _lock(self, external_id):
        name = self._lock_name(external_id)
        held = self._cache("locks")
        if name not in held:
            self.advisory_lock_or_retry(name, retry_seconds=5)
            held[name] = True

    def lock_many(self, external_ids):
        """Take the locks of many records in one query (a page's), the same
        locks ``_lock`` takes one by one (connector's ``pg_try_advisory_lock``
        keys). Should another worker hold one, the job is retried."""
        held = self._cache("locks")
        names = [
            name
            for name in {self._lock_name(i) for i in external_ids}
            if name not in held
        ]
        if not names:
            return
        keys = [
            struct.unpack("q", hashlib.sha1(name.encode()).digest()[:8])[0]
            for name in names
        ]
        self.env.cr.execute(
            "SELECT bool_and(pg_try_advisory_xact_lock(key)) "
            "FROM unnest(%s::bigint[]) AS key",
            (keys,),
        )
        if not self.env.cr.fetchone()[0]:
            raise RetryableJobError(
                "Could not acquire advisory lock", seconds=5, ignore_retry=True
            )
        held.update(dict.fromkeys(names, True))

    def _skip_reason(self, record, binding):
        """None to import the record, else why it is not imported ("" = no need
        to tell anyone)."""
        return None

    def is_listed_uptodate(self, binding, record, project_binding):
        """Whether a listed record can be left out of the page jobs: Odoo
        holds this version already and nothing else asks for an import."""
        return self._updated_at_known(binding, record)

    def _is_uptodate(self, binding, record):
        """Whether the binding already holds this version of the record."""
        return self._updated_at_known(binding, record)

    def _updated_at_known(self, binding, record):
        if not binding or not binding.openproject_updated_at:
            return False
        try:
            known = values.parse_datetime(binding.openproject_updated_at)
            current = values.parse_datetime(record.get("updatedAt"))
        except ValueError:
            return False
        return bool(known and current and current <= known)

    def _import_dependencies(self, record):
        return

    def _mapper_options(self, record, binding):
        return {}

    def _import_dependency(self, external_id, binding_model, record=None):
        """Import a record this one refers to, when Odoo does not know it yet."""
        binder = self.binder_for(binding_model)
        binding = binder.to_internal(external_id)
        if binding:
            return binding
        held_back = getattr(self.work, "openproject_deferred", {}).get(binding_model)
        if held_back and int(external_id) in {item[0] for item in held_back}:
            raise DeferredDependency(binding_model, external_id)
        importer = self.component(usage="record.importer", model_name=binding_model)
        importer.run(external_id, record=record)
        return binder.to_internal(external_id)

    def _create(self, vals):
        model = self.model.with_context(**IMPORT_CONTEXT)
        with self._retry_unique_violation():
            binding = model.create(vals)
        self.binder.remember(binding)
        _logger.debug(
            "%s %s created from OpenProject", self.model._name, self.external_id
        )
        return binding

    def _update(self, binding, vals):
        """Write only what differs, so that a second sync changes nothing.

        :returns: whether anything was written
        """
        changed = {
            name: value
            for name, value in vals.items()
            if name != "sync_date"
            and name in binding._fields
            and not _same_value(binding, name, value)
        }
        if changed:
            changed["sync_date"] = vals.get("sync_date") or fields.Datetime.now()
            binding.with_context(**IMPORT_CONTEXT).write(changed)
        return bool(changed)

    def _after_import(self, binding, record, result):
        return

    def create_batch(self, deferred):
        """Create deferred records in one ``create`` call.

        Odoo spends a good part of a ``create`` once per call, not per record
        (see ODOO-PERF in the design notes).
        """
        model = self.model.with_context(**IMPORT_CONTEXT)
        self.external_id = deferred[0][0] if len(deferred) == 1 else "(batch)"
        with self._retry_unique_violation():
            bindings = model.create([vals for __, vals, __ in deferred])
        self.binder.remember(bindings)
        for binding, (__, __, record) in zip(bindings, deferred, strict=True):
            self._after_import(binding, record, CREATED)
        return bindings

    def create_deferred(self, group_of):
        """Create what ``run`` held back: in one batch, or should the batch
        fail, group by group (``group_of(item)``), each in its own savepoint,
        so that only the culprits fail.

        :returns: ``[(group, items, error)]`` for the groups that failed
        """
        deferred = list(self.deferred or ())
        if not deferred:
            return []
        self.deferred.clear()
        try:
            with self.env.cr.savepoint():
                self.create_batch(deferred)
            return []
        except (RetryableJobError, psycopg2.OperationalError):
            raise
        except Exception:  # noqa: BLE001 - each group is tried alone below
            self._forget_caches()
        groups = {}
        for item in deferred:
            groups.setdefault(group_of(item), []).append(item)
        failed = []
        for group, items in groups.items():
            try:
                with self.env.cr.savepoint():
                    self.create_batch(items)
            except (RetryableJobError, psycopg2.OperationalError):
                raise
            except Exception as err:  # noqa: BLE001 - the caller reports them
                self._forget_caches()
                failed.append((group, items, err))
        return failed

    def same_model_dependencies(self, record):
        """OpenProject ids of records of this model that must exist first."""
        return ()

    @contextmanager
    def _retry_unique_violation(self):
        """Two workers creating the same binding: the later one retries.

        The unique constraint on (backend, OpenProject id) lets only one
        binding exist; the job that lost the race runs again and finds it.
        """
        try:
            yield
        except psycopg2.IntegrityError as err:
            if err.pgcode == errorcodes.UNIQUE_VIOLATION:
                raise RetryableJobError(
                    f"{self.model._name} {self.external_id} was created by a "
                    "concurrent job; this job is retried.",
                    seconds=2,
                ) from err
            raise


class OpenProjectPageImporter(AbstractComponent):
    """Import a page of records, each in its own savepoint."""

    _name = "openproject.page.importer"
    _inherit = ["base.importer", "base.openproject.connector"]
    _usage = "page.importer"

    def run(self, records, force=False):
        counts = {CREATED: 0, UPDATED: 0, SKIPPED: 0, "failed": 0}
        bindings = self.binder.to_internal_many(record["id"] for record in records)
        self._prefetch(records)
        importer = self.component(usage="record.importer")
        importer.lock_many(int(record["id"]) for record in records)
        if self._batch_creates:
            importer.deferred = []
            self.work.openproject_deferred[self.model._name] = importer.deferred
        imported = []
        for record in self._parents_first(records, importer):
            if record is None:
                # The end of a generation: its children come next.
                self._create_deferred(importer, counts, imported, force)
                continue
            external_id = int(record["id"])
            needs = importer.deferred and importer.same_model_dependencies(record)
            if needs and set(needs).intersection(
                external_id for external_id, *__ in importer.deferred
            ):
                # A child after its parent in the same page.
                self._create_deferred(importer, counts, imported, force)
            try:
                try:
                    with self.env.cr.savepoint():
                        result = importer.run(
                            external_id,
                            record=record,
                            force=force,
                            binding=bindings.get(external_id),
                        )
                except DeferredDependency:
                    # Its parent's parent, say, is held back in this page.
                    self._forget_caches()
                    self._create_deferred(importer, counts, imported, force)
                    with self.env.cr.savepoint():
                        result = importer.run(external_id, record=record, force=force)
            except (RetryableJobError, psycopg2.OperationalError):
                # Not this record's fault: the whole page job is retried.
                raise
            except Exception as err:  # noqa: BLE001 - reported and re-queued below
                self._forget_caches()
                counts["failed"] += 1
                self._report_failure(record, err)
                self.model.delayed_import_record(
                    self.backend_record, external_id, force=force
                )
                continue
            counts[result] += 1
            if importer.skip_reason:
                self._report_skip(record, importer.skip_reason)
            if result != SKIPPED or (force and not importer.skip_reason):
                imported.append(external_id)
        self._create_deferred(importer, counts, imported, force)
        self._after_page(records, imported, force)
        self.backend_record._record_sync_event(self.model._name, counts)
        _logger.info(
            "OpenProject %s page of %s: %s created, %s updated, %s skipped, %s failed",
            self.backend_record.name,
            self.model._name,
            counts[CREATED],
            counts[UPDATED],
            counts[SKIPPED],
            counts["failed"],
        )
        return counts

    # Models whose new records a page creates in one batch; the others are
    # few, or create other records (users, projects) as they go.
    _batch_creates = False

    def _create_deferred(self, importer, counts, imported, force):
        """Create the page's new records in one batch (one by one should it
        fail); the records Odoo refuses fail alone and are queued again."""
        for external_id, items, err in importer.create_deferred(
            group_of=lambda item: item[0]
        ):
            counts[CREATED] -= 1
            counts["failed"] += 1
            if external_id in imported:
                imported.remove(external_id)
            self._report_failure(items[0][2], err)
            self.model.delayed_import_record(
                self.backend_record, external_id, force=force
            )

    def _report_failure(self, record, err):
        message = (
            str(err)
            if isinstance(err, (MappingError, FailedJobError))
            else (f"{record_label(record)} could not be imported: {err}")
        )
        if record_label(record) not in message:
            message = f"{record_label(record)}: {message}"
        _logger.warning("%s (queued again on its own)", message)
        self.backend_record._record_sync_event(
            self.model._name,
            {},
            external_id=int(record["id"]),
            message=message,
        )

    def _report_skip(self, record, reason):
        _logger.warning("%s skipped: %s", record_label(record), reason)
        self.backend_record._record_sync_event(
            self.model._name,
            {},
            external_id=int(record["id"]),
            message=f"{record_label(record)} skipped: {reason}",
        )

    def _parents_first(self, records, importer):
        """The page's records, generation by generation when some depend on
        others of the same page (a parent work package and its children), with
        ``None`` between generations: each generation is created in one batch
        before the next one refers to it."""
        by_id = {int(record["id"]): record for record in records}
        parents = {
            external_id: [
                dep
                for dep in importer.same_model_dependencies(record)
                if dep in by_id and dep != external_id
            ]
            for external_id, record in by_id.items()
        }
        level = dict.fromkeys(by_id, 0)
        # Longest path to a root; a cycle (malformed data) stops growing at
        # the page's size and its records are simply imported one by one.
        for __ in range(len(by_id)):
            changed = False
            for external_id, deps in parents.items():
                for dep in deps:
                    if level[dep] + 1 > level[external_id]:
                        level[external_id] = level[dep] + 1
                        changed = True
            if not changed:
                break
        generations = {}
        for record in records:
            generations.setdefault(level[int(record["id"])], []).append(record)
        for index, depth in enumerate(sorted(generations)):
            if index:
                yield None
            yield from generations[depth]

    def changed_records(self, records, project_binding):
        """The records of a listed page that need importing (one query).

        The listing's overlap window and OpenProject versions that cannot
        filter by ``updatedAt`` list records Odoo already holds: no job is
        queued for them.
        """
        bindings = self.binder.to_internal_many(record["id"] for record in records)
        importer = self.component(usage="record.importer")
        return [
            record
            for record in records
            if not importer.is_listed_uptodate(
                bindings.get(int(record["id"])), record, project_binding
            )
        ]

    def _prefetch(self, records):
        """Look up what the page's records refer to, in a few queries."""
        return

    def _prefetch_links(self, records, link_names, binding_model):
        ids = set()
        for record in records:
            for name in link_names:
                try:
                    ref = values.link_ref(record, name)
                except (ValueError, TypeError, AttributeError):
                    continue  # the record's own import reports it
                if ref and ref[0] == "work_packages":
                    ids.add(ref[1])
        if ids:
            self.binder_for(binding_model).to_internal_many(ids)

    def _after_page(self, records, imported_ids, force):
        return


class OpenProjectGenericPageImporter(Component):
    _name = "openproject.generic.page.importer"
    _inherit = "openproject.page.importer"
    _apply_on = [
        "openproject.project.project",
        "openproject.project.task.type",
    ]


class UserPageImporter(Component):
    _name = "openproject.user.page.importer"
    _inherit = "openproject.page.importer"
    _apply_on = "openproject.res.users"

    def _prefetch(self, records):
        self.component(usage="record.importer").precreate_odoo_users(records)

    def _after_page(self, records, imported_ids, force):
        self.component(usage="record.importer").drop_unclaimed_users()


class TimeEntryPageImporter(Component):
    _name = "openproject.time.entry.page.importer"
    _inherit = "openproject.page.importer"
    _apply_on = "openproject.account.analytic.line"
    _batch_creates = True

    def _prefetch(self, records):
        self._prefetch_links(
            records, ("workPackage", "entity"), "openproject.project.task"
        )


class WorkPackagePageImporter(Component):
    _name = "openproject.work.package.page.importer"
    _inherit = "openproject.page.importer"
    _apply_on = "openproject.project.task"
    _batch_creates = True

    def _prefetch(self, records):
        self._prefetch_links(records, ("parent",), "openproject.project.task")

    def _after_page(self, records, imported_ids, force):
        """Activities of the page's work packages that need them, in one job.

        A task's activities are behind when they were last imported for an
        older version of the work package than the task holds. That covers the
        work packages this page changed and those imported earlier as another
        one's parent, whose activities no page has fetched yet.
        """
        bindings = self.binder.to_internal_many(record["id"] for record in records)
        behind = [
            external_id
            for external_id, binding in bindings.items()
            if force
            or external_id in imported_ids
            or binding.activities_synced_at != binding.openproject_updated_at
        ]
        Messages = self.env["openproject.mail.message"]
        if behind:
            # A job not started yet reads them when it runs, changed or not
            # (with the project's settings of then: forcing adds nothing).
            behind = set(behind) - Messages._activities_in_flight(
                self.backend_record, behind, started=False
            )
        if behind:
            Messages.delayed_import_activities(
                self.backend_record, sorted(behind), force=force
            )


# --- statuses -------------------------------------------------------------------


class StatusImporter(Component):
    _name = "openproject.status.importer"
    _inherit = "openproject.importer"
    _apply_on = "openproject.project.task.type"

    def _is_uptodate(self, binding, record):
        # Statuses carry no updatedAt: compare the values instead (_update
        # writes nothing when they are equal).
        return False


# --- users ----------------------------------------------------------------------


class UserImporter(Component):
    """Import a user, a group or a placeholder user.

    An OpenProject user is matched to an existing Odoo user by login, then
    by e-mail (case-insensitive), before one is created. References to
    OpenProject's built-in deleted user go to one archived placeholder per
    backend. A user mapped by hand on the binding keeps that mapping.
    """

    _name = "openproject.user.importer"
    _inherit = "openproject.importer"
    _apply_on = "openproject.res.users"

    def _fetch(self):
        try:
            return self.backend_adapter.client.get(f"users/{self.external_id}")
        except errors.MissingPermission:
            # A key without the manage users permission may not read users;
            # the principals listing is what it can see.
            return self._from_principals()
        except errors.OpenProjectError:
            return self.backend_adapter.read(self.external_id)

    def _from_principals(self):
        for page in self.backend_adapter.iter_principal_pages():
            for principal in page:
                if int(principal.get("id") or 0) == self.external_id:
                    return principal
        raise IDMissingInBackend(
            f"OpenProject user {self.external_id} is not visible to the API key's "
            "user, which may not list users either. Give the sync user the "
            "administrator role, or make it a member of the projects to import."
        )

    def import_from_link(self, ref, title):
        """Bind the principal a link points at, reading it only when needed."""
        kind, external_id = ref
        binding = self.binder.to_internal(external_id)
        if binding:
            return binding
        if kind in ("groups", "placeholder_users"):
            record = {
                "id": external_id,
                "_type": "Group" if kind == "groups" else "PlaceholderUser",
                "name": title or f"{kind} {external_id}",
            }
            self.run(external_id, record=record)
        else:
            try:
                self.run(external_id)
            except IDMissingInBackend:
                if not title:
                    raise
                self.run(external_id, record={"id": external_id, "name": title})
        return self.binder.to_internal(external_id)

    def _is_uptodate(self, binding, record):
        if (
            binding
            and not binding.odoo_id
            and binding.principal_type
            in (
                "user",
                "deleted",
            )
        ):
            return False
        return super()._is_uptodate(binding, record)

    def _create(self, vals):
        vals["odoo_id"], vals["created_by_connector"] = self._odoo_user_for(vals)
        return super()._create(vals)

    def precreate_odoo_users(self, records):
        """Create in one batch the Odoo users that a page's OpenProject users
        will need, before the page imports them one by one.

        Creating an Odoo user is the costliest create there is (its partner,
        groups, settings, employee hooks): about 80 ms alone, a few ms in a
        batch. Only users that no Odoo user matches, whose binding has no
        Odoo user yet, and that do not share a login or an e-mail address
        with another one of the page, are created here: the others go the
        one-by-one way, which reports conflicts. Each record's own import
        then links its binding to the user made for it. Should the batch
        fail, nothing is created here and each record creates its own.
        """
        if not self.backend_record.create_users:
            return
        bindings = self.binder.to_internal_many(record["id"] for record in records)
        seen_logins, seen_emails = set(), set()
        wanted = []
        for record in records:
            external_id = int(record["id"])
            binding = bindings.get(external_id)
            if binding and binding.odoo_id:
                continue
            self.external_id = external_id  # named by _match's warnings
            try:
                vals = self.mapper.map_record(record).values(for_create=True)
            except Exception:  # noqa: BLE001 - its own import reports it
                continue
            if vals.get("principal_type") != "user":
                continue
            login = self._new_login(vals, external_id).casefold()
            email = (vals.get("email") or "").strip().casefold()
            clash = login in seen_logins or (email and email in seen_emails)
            seen_logins.add(login)
            if email:
                seen_emails.add(email)
            if clash or self._match(
                vals.get("login"), vals.get("email"), self._new_login(vals, external_id)
            ):
                continue
            wanted.append((external_id, vals))
        if len(wanted) < 2:
            return
        try:
            with self.env.cr.savepoint():
                users = self._create_odoo_users(
                    [vals for __, vals in wanted], [i for i, __ in wanted]
                )
        except (RetryableJobError, psycopg2.OperationalError):
            raise
        except Exception as err:  # noqa: BLE001 - one by one instead
            self._forget_caches()
            _logger.info(
                "OpenProject %s: creating %s Odoo users at once failed (%s); "
                "each is created on its own",
                self.backend_record.name,
                len(wanted),
                err,
            )
            return
        made = self.work.__dict__.setdefault("openproject_precreated_users", {})
        for (external_id, __), user in zip(wanted, users, strict=True):
            made[external_id] = user

    def drop_unclaimed_users(self):
        """Remove the users made by ``precreate_odoo_users`` whose OpenProject
        user failed to import (its savepoint was rolled back, the user made
        outside it stayed): its own job, queued again, creates it then."""
        made = getattr(self.work, "openproject_precreated_users", None)
        if not made:
            return
        # Claimed by its own binding, or by another one matched to it once
        # its own was rolled back (a shared e-mail address).
        bindings = self.model.with_context(active_test=False).search_fetch(
            [
                ("backend_id", "=", self.backend_record.id),
                ("odoo_id", "in", [user.id for user in made.values()]),
            ],
            ["odoo_id"],
        )
        claimed = {binding.odoo_id.id for binding in bindings}
        unclaimed = self.env["res.users"].browse(
            user.id for user in made.values() if user.id not in claimed
        )
        made.clear()
        if unclaimed:
            partners = unclaimed.partner_id
            unclaimed.with_context(**IMPORT_CONTEXT).unlink()
            partners.with_context(**IMPORT_CONTEXT).unlink()

    def _update(self, binding, vals):
        if not binding.odoo_id:
            vals["odoo_id"], vals["created_by_connector"] = self._odoo_user_for(vals)
        changed = super()._update(binding, vals)
        return self._sync_user_state(binding) or changed

    def _after_import(self, binding, record, result):
        if result == CREATED:
            self._sync_user_state(binding)

    def _sync_user_state(self, binding):
        """Locked in OpenProject: archive the Odoo user the sync created."""
        user = binding.odoo_id
        if not user or not binding.created_by_connector:
            return False
        if binding.principal_type == "deleted":
            return False
        active = binding.openproject_status != "locked"
        if user.active == active:
            return False
        user.with_context(**IMPORT_CONTEXT).write({"active": active})
        return True

    def _odoo_user_for(self, vals):
        """(res.users id or False, created) for the binding values."""
        kind = vals.get("principal_type")
        if kind == "deleted":
            return self._deleted_user_placeholder().id, False
        if kind != "user":
            return False, False
        made = getattr(self.work, "openproject_precreated_users", {})
        if self.external_id in made:
            return made[self.external_id].id, True
        user = self._match(
            vals.get("login"),
            vals.get("email"),
            self._new_login(vals, self.external_id),
        )
        if user:
            taken = self.model.search(
                [
                    ("backend_id", "=", self.backend_record.id),
                    ("odoo_id", "=", user.id),
                    ("external_id", "!=", self.external_id),
                ],
                limit=1,
            )
            if taken:
                # Two OpenProject users for one Odoo user would merge their
                # work: leave this one unlinked and say so.
                self.skip_reason = (
                    f"it matches Odoo user {user.login}, which is already linked "
                    f"to OpenProject user {taken.external_id} ({taken.name}); it "
                    "stays without an Odoo user. Change the e-mail or login of one "
                    "of them in Odoo, or map it by hand; the next sync links it."
                )
                return False, False
            return user.id, False
        if not self.backend_record.create_users:
            return False, False
        return self._create_odoo_user(vals).id, True

    def _match(self, login, email, new_login=None):
        """The Odoo user an OpenProject user stands for: same login, else the
        only one with its e-mail address, else the one whose login is what
        the sync would give it (``new_login``: its e-mail address, or a
        made-up login, for users OpenProject shows without a login)."""
        Users = self.env["res.users"].with_context(active_test=False)
        if login:
            user = Users.search([("login", "=", login)], limit=1)
            if user:
                return user
        if email:
            # ilike matches case-insensitively but treats _ and % as
            # wildcards: keep the exact (case-folded) matches only.
            candidates = Users.search([("email", "=ilike", email)]).filtered(
                lambda u: (u.email or "").strip().casefold() == email.strip().casefold()
            )
            if len(candidates) == 1:
                return candidates
            if len(candidates) > 1:
                _logger.warning(
                    "OpenProject user %s: %s Odoo users have the e-mail %s; none "
                    "is chosen. Map the user by hand on its binding.",
                    self.external_id,
                    len(candidates),
                    email,
                )
                return Users.browse()
        if new_login and new_login != login:
            return Users.search([("login", "=", new_login)], limit=1)
        return Users.browse()

    def _user_groups(self):
        refs = (
            "base.group_user",
            "project.group_project_user",
            "hr_timesheet.group_hr_timesheet_user",
        )
        return [self.env.ref(ref).id for ref in refs]

    def _new_login(self, vals, external_id):
        """The login of the Odoo user the sync creates for an OpenProject user."""
        return (
            vals.get("login")
            or vals.get("email")
            or f"openproject-{self.backend_record.id}-{int(external_id)}"
        )

    def _create_odoo_user(self, vals):
        return self._create_odoo_users([vals], [self.external_id])

    def _create_odoo_users(self, vals_list, external_ids):
        company = self.backend_record.company_id
        groups = self._user_groups()
        user_vals = []
        for vals, external_id in zip(vals_list, external_ids, strict=True):
            login = self._new_login(vals, external_id)
            user_vals.append(
                {
                    "name": vals.get("name") or login,
                    "login": login,
                    "email": vals.get("email") or False,
                    "company_id": company.id,
                    "company_ids": [(6, 0, company.ids)],
                    "groups_id": [(6, 0, groups)],
                }
            )
        return self.env["res.users"].with_context(**IMPORT_CONTEXT).create(user_vals)

    def _deleted_user_placeholder(self):
        backend = self.backend_record
        if backend.deleted_user_id:
            return backend.deleted_user_id
        # Page jobs of several projects may meet the deleted user at once.
        self.advisory_lock_or_retry(
            f"openproject_deleted_user({backend.id})", retry_seconds=5
        )
        backend.invalidate_recordset(["deleted_user_id"])
        if backend.deleted_user_id:
            return backend.deleted_user_id
        company = backend.company_id
        # A job that took the lock after the other one committed still reads
        # from its older snapshot: the duplicate login makes it retry.
        with self._retry_unique_violation():
            user = (
                self.env["res.users"]
                .with_context(**IMPORT_CONTEXT)
                .create(
                    {
                        "name": "Deleted user (OpenProject)",
                        "login": f"openproject-deleted-user-{backend.id}",
                        "company_id": company.id,
                        "company_ids": [(6, 0, company.ids)],
                        "groups_id": [(6, 0, self._user_groups())],
                        "active": False,
                    }
                )
            )
        backend.sudo().deleted_user_id = user
        return user


def import_user_link(component, record, name):
    """Bind the user a record's link points at; the binding or an empty one."""
    ref = values.link_ref(record, name)
    if not ref:
        return component.env["openproject.res.users"].browse()
    importer = component.component(
        usage="record.importer", model_name="openproject.res.users"
    )
    return importer.import_from_link(ref, values.link_title(record, name))


# --- projects -------------------------------------------------------------------


class ProjectImporter(Component):
    """Import a project's binding, and its Odoo project when it syncs."""

    _name = "openproject.project.importer"
    _inherit = "openproject.importer"
    _apply_on = "openproject.project.project"

    def _is_uptodate(self, binding, record):
        if binding and binding.sync and not binding.odoo_id:
            return False
        return super()._is_uptodate(binding, record)

    def _after_import(self, binding, record, result):
        self.ensure_odoo_project(binding, record)

    def ensure_odoo_project(self, binding, record):
        if not binding.sync:
            return
        vals = {"name": binding.name, "active": binding.openproject_active}
        if binding.sync_description:
            vals["description"] = values.formattable_html(record.get("description"))
        Project = self.env["project.project"].with_context(**IMPORT_CONTEXT)
        if not binding.odoo_id:
            vals.update(
                company_id=self.backend_record.company_id.id,
                allow_timesheets=True,
            )
            project = Project.create(vals)
            binding.with_context(**IMPORT_CONTEXT).write(
                {"odoo_id": project.id, "odoo_project_created": True}
            )
        elif binding.odoo_project_created:
            project = binding.odoo_id.with_context(**IMPORT_CONTEXT, active_test=False)
            changed = {
                key: value
                for key, value in vals.items()
                if not _same_value(project, key, value)
            }
            if changed:
                project.write(changed)


# --- work packages --------------------------------------------------------------


class WorkPackageImporter(Component):
    """Import a work package as a task of its project's Odoo project."""

    _name = "openproject.work.package.importer"
    _inherit = "openproject.importer"
    _apply_on = "openproject.project.task"

    def _project_binding(self, record):
        ref = values.link_ref(record, "project")
        if not ref:
            raise MappingError(
                f"{record_label(record)} belongs to no project it can be imported "
                "into. Check its project in OpenProject."
            )
        binding = self.binder_for("openproject.project.project").to_internal(ref[1])
        if not binding:
            try:
                binding = self._import_dependency(ref[1], "openproject.project.project")
            except IDMissingInBackend as err:
                raise MappingError(
                    f"{record_label(record)}: its project {ref[1]} is missing in "
                    "OpenProject or not visible to the API key's user."
                ) from err
        return binding

    def _skip_reason(self, record, binding):
        project_binding = self._project_binding(record)
        if not project_binding.sync:
            if binding and binding.active:
                archive_task(
                    binding,
                    f"Archived by the OpenProject sync: work package "
                    f"{binding.external_id} moved to project {project_binding.name}, "
                    "which is not synced.",
                )
                return f"moved to project {project_binding.name}, which is not synced"
            return (
                ""
                if binding
                else (f"its project {project_binding.name} is not set to sync")
            )
        if not project_binding.odoo_id:
            self.component(
                usage="record.importer", model_name="openproject.project.project"
            ).ensure_odoo_project(project_binding, {"description": None})
        self._project = project_binding
        return None

    def _import_dependencies(self, record):
        status = values.link_ref(record, "status")
        if status:
            try:
                self._import_dependency(status[1], "openproject.project.task.type")
            except IDMissingInBackend as err:
                raise MappingError(
                    f"{record_label(record)}: its status {status[1]} "
                    f"({values.link_title(record, 'status') or 'no name'}) does not "
                    "exist in OpenProject. Give the work package an existing status; "
                    "the next sync imports it."
                ) from err
        import_user_link(self, record, "assignee")
        parent = values.link_ref(record, "parent")
        if parent:
            try:
                self._import_dependency(parent[1], "openproject.project.task")
            except IDMissingInBackend:
                _logger.warning(
                    "%s: its parent %s is not visible; imported without parent",
                    record_label(record),
                    parent[1],
                )

    def _mapper_options(self, record, binding):
        return {"project_binding": self._project}

    def is_listed_uptodate(self, binding, record, project_binding):
        # Activities behind are not a reason to import the work package
        # again: the listing job queues them itself, unless a job not yet
        # done holds them (ProjectSynchronizer._queue_activities_behind).
        return bool(
            binding
            and binding.active
            and binding.project_binding_id == project_binding
            and self._updated_at_known(binding, record)
        )

    def same_model_dependencies(self, record):
        try:
            parent = values.link_ref(record, "parent")
        except (ValueError, TypeError, AttributeError):
            return ()
        return (parent[1],) if parent else ()

    def _is_uptodate(self, binding, record):
        if binding and (
            not binding.active or binding.project_binding_id != self._project
        ):
            return False
        return super()._is_uptodate(binding, record)

    def _update(self, binding, vals):
        if not binding.active:
            vals = dict(vals, active=True)
        return super()._update(binding, vals)

    def _after_import(self, binding, record, result):
        self._link_stage_to_project(binding.stage_id, binding.project_id)

    def _link_stage_to_project(self, stage, project):
        """Each stage lists the synced projects that use it."""
        if not stage or not project:
            return
        links = self._cache("stage_projects")
        if stage.id not in links:
            links[stage.id] = set(stage.project_ids.ids)
        if project.id not in links[stage.id]:
            # Stages are shared by every project: page jobs running side by
            # side would all update the stage's row through the ORM, and
            # collide (serialization failures, deadlocks). Adding the relation
            # row alone touches nothing another job writes.
            self.env.flush_all()
            self.env.cr.execute(
                "INSERT INTO project_task_type_rel (type_id, project_id) "
                "VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (stage.id, project.id),
            )
            stage.invalidate_recordset(["project_ids"])
            project.invalidate_recordset(["type_ids"])
            links[stage.id].add(project.id)


# --- time entries ---------------------------------------------------------------


class TimeEntryImporter(Component):
    """Import a finished time entry as a timesheet line."""

    _name = "openproject.time.entry.importer"
    _inherit = "openproject.importer"
    _apply_on = "openproject.account.analytic.line"

    def _skip_reason(self, record, binding):
        self._targets = None
        if record.get("ongoing"):
            return "a running timer is imported once it is stopped"
        project_binding = self._project_binding(record)
        if not (project_binding.sync and project_binding.sync_time_entries):
            return ""
        if not project_binding.odoo_id:
            return f"project {project_binding.name} has no Odoo project yet"
        user_binding = import_user_link(self, record, "user")
        user = user_binding.odoo_id
        if not user:
            return (
                f"user {user_binding.name or values.link_title(record, 'user')} "
                "has no Odoo user: map it on its binding under Connectors > "
                "OpenProject > Users, or enable Create missing users"
            )
        task = self._task(record)
        project = task.project_id if task else project_binding.odoo_id
        employee = self._employee(
            user, project.company_id or self.backend_record.company_id
        )
        self._targets = {
            "project": project,
            "task": task,
            "employee": employee,
            "work_package_id": self._work_package_id(record),
            "project_external_id": project_binding.external_id,
        }
        return None

    def _project_binding(self, record):
        ref = values.link_ref(record, "project")
        if not ref:
            raise MappingError(f"{record_label(record)} belongs to no project.")
        try:
            return self._import_dependency(ref[1], "openproject.project.project")
        except IDMissingInBackend as err:
            raise MappingError(
                f"{record_label(record)}: its project {ref[1]} is missing in "
                "OpenProject or not visible to the API key's user."
            ) from err

    def _work_package_id(self, record):
        # Newer versions log time on an `entity` (a work package or a meeting)
        # and keep `workPackage` as a deprecated alias.
        ref = values.link_ref(record, "workPackage")
        if not ref:
            entity = values.link_ref(record, "entity")
            if entity and entity[0] == "work_packages":
                ref = entity
        return ref[1] if ref else None

    def _task(self, record):
        work_package_id = self._work_package_id(record)
        if not work_package_id:
            return self.env["project.task"]
        try:
            binding = self._import_dependency(
                work_package_id, "openproject.project.task"
            )
        except IDMissingInBackend:
            return self.env["project.task"]
        return binding.odoo_id if binding else self.env["project.task"]

    def _employee(self, user, company):
        cache = self._cache("employees")
        key = (user.id, company.id)
        if key not in cache:
            # Page jobs of several projects meet the same user: one at a time
            # finds or creates the employee, the others retry their page.
            self.advisory_lock_or_retry(
                f"openproject_employee({user.id}, {company.id})", retry_seconds=5
            )
            Employee = self.env["hr.employee"].with_context(active_test=False)
            # Only `active` is read: reading a whole employee checks the
            # access groups of each of its many fields.
            employee = Employee.search_fetch(
                [("user_id", "=", user.id), ("company_id", "=", company.id)],
                ["active"],
                limit=1,
            )
            if not employee:
                # The lock does not help a job whose snapshot predates the
                # other one's commit: the unique user makes it retry.
                with self._retry_unique_violation():
                    employee = Employee.with_context(**IMPORT_CONTEXT).create(
                        {
                            "name": user.name,
                            "user_id": user.id,
                            "company_id": company.id,
                        }
                    )
            elif not employee.active:
                employee.with_context(**IMPORT_CONTEXT).active = True
            cache[key] = employee.id
        return self.env["hr.employee"].browse(cache[key])

    def _mapper_options(self, record, binding):
        return {"targets": self._targets}

    def _update(self, binding, vals):
        if line_is_locked(binding.odoo_id):
            changed = {
                name
                for name, value in vals.items()
                if name in ("date", "unit_amount", "name", "project_id", "task_id")
                and not _same_value(binding, name, value)
            }
            if changed:
                self.skip_reason = (
                    "the timesheet line is validated or invoiced in Odoo, so the "
                    f"sync leaves it as it is; OpenProject now differs in: "
                    f"{', '.join(sorted(changed))}"
                )
            return False
        return super()._update(binding, vals)


# --- activities -----------------------------------------------------------------


class ActivityImporter(Component):
    """Import one activity as a message on its work package's task."""

    _name = "openproject.activity.importer"
    _inherit = "openproject.importer"
    _apply_on = "openproject.mail.message"

    def _fetch(self):
        return self.backend_adapter.client.get(f"activities/{self.external_id}")

    def _skip_reason(self, record, binding):
        # An activity belongs to the work package it was listed under; its
        # own link counts when it is imported alone.
        work_package_id = getattr(self.work, "work_package_id", None)
        if not work_package_id:
            ref = values.link_ref(record, "workPackage")
            work_package_id = ref[1] if ref else None
        task_binding = self.binder_for("openproject.project.task").to_internal(
            work_package_id
        )
        if not task_binding:
            return ""
        comment = (values.formattable_raw(record.get("comment")) or "").strip()
        if not comment and not record.get("details"):
            return ""  # a journal without a comment or a change says nothing
        self._task = task_binding.odoo_id
        self._work_package_id = work_package_id
        return None

    def _import_dependencies(self, record):
        user_binding = import_user_link(self, record, "user")
        self._author = user_binding.odoo_id.partner_id if user_binding else None

    def _mapper_options(self, record, binding):
        return {
            "task": self._task,
            "author_partner": self._author,
            "work_package_id": self._work_package_id,
        }


class ActivitiesImporter(Component):
    """Import the activities of a list of work packages (one job).

    Activities have no collection across work packages: one request per work
    package. Each work package's activities are imported in a savepoint; a
    work package that fails is reported and queued again on its own. A task
    is marked as holding its activities once its new messages are created.
    """

    _name = "openproject.activities.importer"
    _inherit = ["base.importer", "base.openproject.connector"]
    _apply_on = "openproject.mail.message"
    _usage = "activities.importer"

    # New messages are created in batches of this many (one ``create``).
    batch_size = 500

    def run(self, work_package_ids, force=False):
        counts = {CREATED: 0, UPDATED: 0, SKIPPED: 0, "failed": 0}
        task_binder = self.binder_for("openproject.project.task")
        task_binder.to_internal_many(work_package_ids)
        importer = self.component(usage="record.importer")
        importer.deferred = []
        alone = len(work_package_ids) == 1
        todo = []
        for work_package_id in work_package_ids:
            task_binding = task_binder.to_internal(work_package_id)
            if not task_binding:
                continue
            wanted = task_binding.project_binding_id.activity_filter or "all"
            if wanted != "none":
                todo.append((work_package_id, task_binding, wanted))
        known = self._bindings_by_work_package([wp_id for wp_id, _b, _w in todo])
        # Tasks whose activities went through, marked once their new
        # messages exist (after each batch create).
        done = []
        # Read ahead, several at a time; each read is done (or raises) in
        # the savepoint of its work package below.
        reads = self.backend_adapter.iter_for_work_packages(
            [work_package_id for work_package_id, _b, _w in todo],
            parallel=self.backend_record.parallel_requests,
        )
        with closing(reads):
            for (work_package_id, task_binding, wanted), (_id, read) in zip(
                todo, reads, strict=True
            ):
                if len(importer.deferred) >= self.batch_size:
                    self._create_deferred(importer, counts, force, done, alone)
                deferred_before = len(importer.deferred)
                try:
                    with self.env.cr.savepoint():
                        self._import_work_package(
                            work_package_id,
                            read(),
                            known.get(work_package_id, {}),
                            wanted,
                            force,
                            counts,
                            importer,
                        )
                except NetworkRetryableError:
                    # OpenProject failed us on this work package only: the
                    # others go on, this one is tried again in its own job.
                    self._forget_caches()
                    del importer.deferred[deferred_before:]
                    if alone:
                        raise
                    self.model.delayed_import_activities(
                        self.backend_record, [work_package_id], force=force
                    )
                except IDMissingInBackend as err:
                    # Deleted since its task was imported (or hidden from the
                    # sync user): nothing to import; the deletion sweep
                    # archives the task. Not a failure.
                    self._forget_caches()
                    del importer.deferred[deferred_before:]
                    counts[SKIPPED] += 1
                    self._report_failure(work_package_id, err, gone=True)
                except (RetryableJobError, psycopg2.OperationalError):
                    raise
                except Exception as err:  # noqa: BLE001 - reported, re-queued
                    self._forget_caches()
                    del importer.deferred[deferred_before:]
                    counts["failed"] += 1
                    self._report_failure(work_package_id, err)
                    if alone:
                        raise
                    self.model.delayed_import_activities(
                        self.backend_record, [work_package_id], force=force
                    )
                else:
                    done.append(task_binding)
        self._create_deferred(importer, counts, force, done, alone)
        self.backend_record._record_sync_event(self.model._name, counts)
        return counts

    def _bindings_by_work_package(self, work_package_ids):
        """The message bindings of these work packages, by work package and
        then activity id, in one query: an activity never changes work
        package, so what is not there is new."""
        if not work_package_ids:
            return {}
        bindings = self.model.with_context(active_test=False).search_fetch(
            [
                ("backend_id", "=", self.backend_record.id),
                ("work_package_external_id", "in", list(work_package_ids)),
            ],
            ["external_id", "work_package_external_id"],
        )
        self.binder.remember(bindings)
        known = {}
        for binding in bindings:
            known.setdefault(binding.work_package_external_id, {})[
                binding.external_id
            ] = binding
        return known

    def _report_failure(self, work_package_id, err, gone=False):
        if gone:
            message = (
                f"Activities of OpenProject work package {work_package_id} are "
                f"skipped: {err} The deletion sweep archives its task."
            )
            _logger.info("%s", message)
        else:
            message = (
                f"Activities of OpenProject work package {work_package_id} "
                f"could not be imported: {err}"
            )
            _logger.warning("%s (queued again on its own)", message)
        self.backend_record._record_sync_event(
            self.model._name,
            {},
            external_id=work_package_id,
            message=message,
        )

    def _create_deferred(self, importer, counts, force, done, alone):
        """Create the new messages in one batch (those of each work package
        apart should it fail), then mark the tasks of ``done`` as holding
        their activities; the work packages whose messages Odoo refuses are
        queued again, their tasks marked as behind on activities. A job of
        one work package fails instead: queued again, it would refuse the
        same messages in a loop."""
        task_binder = self.binder_for("openproject.project.task")
        failed = self._update_misfiled(importer, counts, force, alone)
        for work_package_id, items, err in importer.create_deferred(
            group_of=lambda item: item[1]["work_package_external_id"]
        ):
            if alone:
                raise FailedJobError(
                    f"Activities of OpenProject work package {work_package_id} "
                    f"could not be imported: {err}"
                ) from err
            failed.add(work_package_id)
            counts[CREATED] -= len(items)
            counts["failed"] += 1
            self._report_failure(work_package_id, err)
            task_binder.to_internal(work_package_id).with_context(
                **IMPORT_CONTEXT
            ).activities_synced_at = False
            self.model.delayed_import_activities(
                self.backend_record, [work_package_id], force=force
            )
        for task_binding in done:
            if task_binding.external_id not in failed:
                # Written together at the next flush (one UPDATE).
                task_binding.with_context(
                    **IMPORT_CONTEXT
                ).activities_synced_at = task_binding.openproject_updated_at
        done.clear()

    def _update_misfiled(self, importer, counts, force, alone):
        """Bindings were looked up by work package; one filed under another
        work package (inconsistent data) would make the batch hit the unique
        constraint and retry the whole job. One query per batch finds them;
        they are updated instead, which moves them to their task here.

        :returns: the work packages whose update failed
        """
        failed = set()
        if not importer.deferred:
            return failed
        found = self.model.with_context(active_test=False).search_fetch(
            [
                ("backend_id", "=", self.backend_record.id),
                ("external_id", "in", [item[0] for item in importer.deferred]),
            ],
            ["external_id"],
        )
        if not found:
            return failed
        by_id = {binding.external_id: binding for binding in found}
        self.binder.remember(found)
        misfiled = [item for item in importer.deferred if item[0] in by_id]
        importer.deferred[:] = [
            item for item in importer.deferred if item[0] not in by_id
        ]
        # With its binding given, ``run`` updates at once (nothing deferred).
        for external_id, vals, record in misfiled:
            work_package_id = vals.get("work_package_external_id")
            self.work.work_package_id = work_package_id
            counts[CREATED] -= 1
            try:
                with self.env.cr.savepoint():
                    # Forced: the record is as known, its filing is not.
                    result = importer.run(
                        external_id,
                        record=record,
                        force=True,
                        binding=by_id[external_id],
                    )
            except (RetryableJobError, psycopg2.OperationalError):
                raise
            except Exception as err:  # noqa: BLE001 - reported, re-queued
                if alone:
                    raise
                self._forget_caches()
                failed.add(work_package_id)
                counts["failed"] += 1
                self._report_failure(work_package_id, err)
                self.model.delayed_import_activities(
                    self.backend_record, [work_package_id], force=force
                )
                continue
            counts[result] += 1
        return failed

    def _import_work_package(
        self, work_package_id, activities, existing, wanted, force, counts, importer
    ):
        self.work.work_package_id = work_package_id
        importer.lock_many(int(a["id"]) for a in activities)
        self.binder.known_unbound(
            int(a["id"]) for a in activities if int(a["id"]) not in existing
        )
        for activity in activities:
            kind = _activity_kind(activity)
            if wanted not in ("all", kind + "s"):
                counts[SKIPPED] += 1
                continue
            result = importer.run(
                activity["id"],
                record=activity,
                force=force,
                binding=existing.get(int(activity["id"])),
            )
            counts[result] += 1


def _activity_kind(activity):
    comment = (values.formattable_raw(activity.get("comment")) or "").strip()
    return "comment" if comment else "update"
