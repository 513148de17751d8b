# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from contextlib import contextmanager
from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.queue_job.job import identity_exact

from ..openproject_api import OpenProjectClient, errors

_logger = logging.getLogger(__name__)

MANAGER_GROUP = "connector.group_connector_manager"
# More would look like an attack to a server, and gain nothing on one job.
MAX_PARALLEL_REQUESTS = 16

ACTIVITY_FILTERS = [
    ("none", "None"),
    ("comments", "Comments"),
    ("updates", "Updates"),
    ("all", "Comments and updates"),
]


class OpenProjectBackend(models.Model):
    """An OpenProject instance the connector imports from.

    The backend holds the connection settings, the defaults given to projects
    the sync discovers, and the outcome of the last sync. Work is done by
    queue jobs on the ``root.openproject`` channel, started by the "Run
    Import" button or the "OpenProject Sync" scheduled action.
    """

    _name = "openproject.backend"
    _inherit = ["connector.backend", "mail.thread"]
    _description = "OpenProject Backend"
    _order = "name"

    name = fields.Char(required=True)
    url = fields.Char(
        string="Instance URL",
        required=True,
        help="The address of the OpenProject instance, without /api/v3, "
        "e.g. https://openproject.example.com or "
        "https://example.com/openproject when served under a sub-path.",
    )
    api_key = fields.Char(
        string="API Key",
        groups=MANAGER_GROUP,
        copy=False,
        help="An API token of the OpenProject user the sync runs as "
        "(My account > Access tokens).",
    )
    auth_mode = fields.Selection(
        [("basic", "API key (HTTP Basic)"), ("bearer", "Bearer token")],
        string="Authentication",
        default="basic",
        required=True,
        help="API keys work over HTTP Basic on every OpenProject version; "
        "Bearer is accepted for API tokens from OpenProject 17 and for OAuth "
        "tokens.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        help="Every record the sync creates belongs to this company.",
    )
    timeout = fields.Integer(
        string="Timeout (seconds)",
        default=30,
        help="How long to wait for an answer of OpenProject.",
    )
    verify_tls = fields.Boolean(string="Verify TLS certificate", default=True)
    retry_backoff = fields.Float(
        string="Retry back-off (seconds)",
        default=0.5,
        help="First wait before a request that failed for a passing reason "
        "(timeout, 5xx, 429) is tried again; it doubles at each try.",
    )
    parallel_requests = fields.Integer(
        default=4,
        help="Activities (comments and updates) are read with one request per "
        "work package; this many are made at the same time. Lower it if "
        "OpenProject limits the API key's rate (1: one after the other).",
    )
    active = fields.Boolean(default=True)
    create_users = fields.Boolean(
        string="Create missing users",
        default=True,
        help="OpenProject users that match no Odoo user by login or e-mail "
        "are created as internal users with project and timesheet rights. "
        "When off, their work is imported without an Odoo user where possible.",
    )
    sweep_interval_hours = fields.Integer(
        string="Look for deletions every (hours)",
        default=24,
        help="OpenProject does not report deletions: every so often the sync "
        "compares the ids OpenProject lists with what Odoo holds. 0 = at every "
        "sync.",
    )
    # Defaults given to the projects a sync discovers.
    default_project_sync = fields.Boolean(string="Sync new projects", default=True)
    default_sync_description = fields.Boolean(string="Sync descriptions", default=True)
    default_activity_filter = fields.Selection(
        ACTIVITY_FILTERS, string="Activities to sync", default="all", required=True
    )
    default_sync_time_entries = fields.Boolean(string="Sync time entries", default=True)
    # What the instance told at the last check or sync.
    openproject_version = fields.Char(readonly=True)
    openproject_user = fields.Char(string="Connected as", readonly=True)
    high_priority_ids = fields.Char(
        readonly=True,
        help="OpenProject priorities above the default one, as ids separated by "
        "commas: tasks with one of them are starred.",
    )
    deleted_user_id = fields.Many2one(
        "res.users",
        string="Placeholder for deleted users",
        readonly=True,
        help="Archived user that stands for OpenProject's built-in deleted user.",
    )
    # The last sync.
    last_sync_date = fields.Datetime(readonly=True)
    sync_run = fields.Integer(
        readonly=True, help="Number of the last sync run, to group its events."
    )
    last_sync_created = fields.Integer(compute="_compute_last_sync_counts")
    last_sync_updated = fields.Integer(compute="_compute_last_sync_counts")
    last_sync_skipped = fields.Integer(compute="_compute_last_sync_counts")
    last_sync_failed = fields.Integer(compute="_compute_last_sync_counts")
    last_sync_event_ids = fields.One2many(
        "openproject.sync.event",
        compute="_compute_last_sync_counts",
        string="Problems of the last sync",
    )
    # Bindings, for the smart buttons and the lists.
    project_binding_ids = fields.One2many(
        "openproject.project.project", "backend_id", string="Projects"
    )
    project_count = fields.Integer(compute="_compute_counts")
    task_count = fields.Integer(compute="_compute_counts")
    timesheet_count = fields.Integer(compute="_compute_counts")
    user_count = fields.Integer(compute="_compute_counts")
    job_count = fields.Integer(compute="_compute_counts")

    _sql_constraints = [
        ("timeout_positive", "CHECK(timeout > 0)", "The timeout must be positive."),
    ]

    @api.depends("sync_run")
    def _compute_last_sync_counts(self):
        # Events are the connector managers' to read; the counts are shown to
        # whoever may read the backend.
        Event = self.env["openproject.sync.event"].sudo()
        for backend in self:
            events = Event.browse()
            totals = dict.fromkeys(("created", "updated", "skipped", "failed"), 0)
            if backend.sync_run and backend.id:
                events = Event.search(
                    [("backend_id", "=", backend.id), ("run", "=", backend.sync_run)]
                )
                for event in events:
                    for key in totals:
                        totals[key] += event[key]
            backend.last_sync_created = totals["created"]
            backend.last_sync_updated = totals["updated"]
            backend.last_sync_skipped = totals["skipped"]
            backend.last_sync_failed = totals["failed"]
            backend.last_sync_event_ids = events.filtered("message").with_env(self.env)

    def _compute_counts(self):
        for backend in self:
            domain = [("backend_id", "=", backend.id)]
            backend.project_count = self.env[
                "openproject.project.project"
            ].search_count(domain + [("odoo_id", "!=", False)])
            backend.task_count = self.env["openproject.project.task"].search_count(
                domain
            )
            backend.timesheet_count = self.env[
                "openproject.account.analytic.line"
            ].search_count(domain)
            backend.user_count = self.env["openproject.res.users"].search_count(domain)
            backend.job_count = self.env["queue.job"].search_count(self._job_domain())

    def _job_domain(self):
        return [("channel", "=like", "root.openproject%")]

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._clean_api_key(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._clean_api_key(vals))

    @api.model
    def _clean_api_key(self, vals):
        """Keys pasted with a line break or spaces around them are trimmed; a
        key that still holds characters HTTP headers cannot carry is refused
        without being repeated anywhere."""
        key = vals.get("api_key")
        if not key:
            return vals
        key = key.strip()
        if not key:
            return dict(vals, api_key=False)
        if not key.isascii() or not key.isprintable() or " " in key:
            raise UserError(
                _(
                    "The API key contains spaces, line breaks or non-ASCII "
                    "characters, which OpenProject keys never do. Copy the key "
                    "again from OpenProject (My account > Access tokens)."
                )
            )
        return dict(vals, api_key=key)

    def _check_manager(self):
        """Buttons and jobs that talk to OpenProject or change what Odoo holds
        are the connector managers' (the cron runs as superuser)."""
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                _("Only connector managers may check or run an OpenProject sync.")
            )

    @api.constrains("parallel_requests")
    def _check_parallel_requests(self):
        for backend in self:
            if not 1 <= backend.parallel_requests <= MAX_PARALLEL_REQUESTS:
                raise UserError(
                    _(
                        "Parallel requests must be between 1 and %(max)s "
                        "(backend %(name)s).",
                        max=MAX_PARALLEL_REQUESTS,
                        name=backend.name,
                    )
                )

    @api.constrains("url")
    def _check_url(self):
        for backend in self:
            parsed = urlsplit(backend.url or "")
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise UserError(
                    _(
                        "The instance URL %(url)s is not an http:// or https:// "
                        "address. Enter the address you open OpenProject with.",
                        url=backend.url,
                    )
                )

    # --- the connection ---------------------------------------------------------

    def web_url(self, path=""):
        """Address of a page of the instance's web interface."""
        self.ensure_one()
        return self.url.rstrip("/") + (path or "")

    def _get_client(self, **options):
        """An API client for this backend.

        The key is read with sudo so that jobs run by any user can connect,
        and it is handed only to the client, which never logs it.
        """
        self.ensure_one()
        secret = self.sudo().api_key
        return OpenProjectClient(
            self.url,
            secret,
            auth_mode=self.auth_mode,
            read_timeout=float(self.timeout or 30),
            verify=self.verify_tls,
            **{"backoff_factor": self.retry_backoff or 0.5, **options},
        )

    @contextmanager
    def work_on(self, model_name, **kwargs):
        """Components work as superuser: access rules were checked when the
        sync was started (only connector managers can), and checking them on
        every lookup of every record made imports several times slower.
        Records still carry the real user as creator (``sudo()`` keeps the
        uid). ``openproject_caches`` is shared by every component of the work
        context, whatever model they work on (see ``_cache``)."""
        self.ensure_one()
        # Every job that talks to OpenProject or writes what it brings comes
        # through here: none is for users outside the connector managers.
        self._check_manager()
        client = self._get_client()
        kwargs.setdefault("openproject_caches", {})
        # Records a page importer has mapped and holds back for one batch
        # create, by binding model (see DeferredDependency).
        kwargs.setdefault("openproject_deferred", {})
        backend = self.sudo()
        try:
            with super(OpenProjectBackend, backend).work_on(
                model_name, client=client, **kwargs
            ) as work:
                yield work
        finally:
            client.close()

    def _connection_error_message(self, err):
        """A translated sentence telling a user what went wrong and what to do."""
        url = self.url
        if isinstance(err, errors.Unauthenticated):
            return _(
                "OpenProject at %(url)s refused the API key. Create a new API "
                "token in OpenProject (My account > Access tokens) and paste it "
                "in the API Key field.",
                url=url,
            )
        if isinstance(err, errors.MissingPermission):
            return _(
                "The OpenProject user of this API key lacks a permission: "
                "%(message)s. Give it a role with view work packages, view spent "
                "time and view user e-mails in the projects to import.",
                message=err.message,
            )
        if isinstance(err, errors.TLSError):
            return _(
                "The TLS certificate of %(url)s could not be verified: "
                "%(message)s. Install a valid certificate on the server, or, for "
                "a test instance only, untick Verify TLS certificate.",
                url=url,
                message=err.message,
            )
        if isinstance(err, errors.NotAnOpenProjectInstance):
            return _(
                "%(url)s does not answer like an OpenProject instance "
                "(%(message)s). Check the Instance URL: it is the address you "
                "open OpenProject with, without /api/v3.",
                url=url,
                message=err.message,
            )
        if isinstance(err, errors.NotFound):
            return _(
                "%(url)s has no OpenProject API v3 (404). Check the Instance "
                "URL, including a sub-path such as /openproject.",
                url=url,
            )
        if isinstance(err, errors.TransportError):
            return _(
                "OpenProject at %(url)s cannot be reached: %(message)s. Check "
                "the address and that the server is running and reachable "
                "from Odoo.",
                url=url,
                message=err.message,
            )
        return _(
            "OpenProject at %(url)s answered with an error: %(message)s",
            url=url,
            message=str(err),
        )

    def _check_instance(self, client):
        """Ask the instance who we are; raise a UserError saying what is wrong."""
        self.ensure_one()
        try:
            root = client.root()
            me = client.me()
        except errors.OpenProjectError as err:
            raise UserError(self._connection_error_message(err)) from err
        # The own user always sees its login; an instance that lets anonymous
        # visitors read answers /users/me with the anonymous user, who has none.
        if not me.get("login"):
            raise UserError(
                _(
                    "OpenProject at %(url)s answered as the anonymous user: the "
                    "API key was not used or not accepted. Check the API Key "
                    "and the Authentication mode.",
                    url=self.url,
                )
            )
        version = root.get("coreVersion") or ""
        user_name = me.get("name") or me.get("login") or ""
        self.sudo().write(
            {"openproject_version": version, "openproject_user": user_name}
        )
        return version, user_name

    def action_check_connection(self):
        self.ensure_one()
        self._check_manager()
        # A person is waiting: one quick retry, not the jobs' patient back-off.
        client = self._get_client(max_retries=1, backoff_factor=0.2)
        version, user_name = self._check_instance(client)
        message = _(
            "OpenProject %(version)s, connected as %(user_name)s.",
            version=version or _("(version not disclosed)"),
            user_name=user_name,
        )
        try:
            client.get_page("users", page_size=0)
        except errors.MissingPermission:
            message += " " + _(
                "This user is not an administrator and may not list users: they "
                "are imported from the projects' members (principals) and the "
                "links of work packages, and matched by e-mail only where the "
                "role allows viewing e-mails."
            )
        except errors.OpenProjectError as err:
            raise UserError(self._connection_error_message(err)) from err
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Connection to OpenProject works"),
                "message": message,
                "type": "success",
                "sticky": False,
            },
        }

    # --- running a sync --------------------------------------------------------

    def action_run_import(self):
        self._check_manager()
        for backend in self:
            backend.with_delay(
                channel="root.openproject",
                identity_key=identity_exact,
                description=_("OpenProject sync of %(name)s", name=backend.name),
            ).sync_backend()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("OpenProject sync queued"),
                "message": _(
                    "The import runs in the background; its jobs are listed under Jobs."
                ),
                "type": "info",
                "sticky": False,
            },
        }

    @api.model
    def _cron_sync(self):
        """Scheduled action: sync every active backend."""
        self.search([]).action_run_import()

    def sync_backend(self):
        """Job: import the shared collections, then queue each project's sync.

        Statuses, users and projects are few and everything else refers to
        them, so they are imported here, in this job's transaction. Work
        packages and time entries are listed per project by their own jobs.
        """
        self.ensure_one()
        self._check_manager()
        self.sudo().write(
            {"last_sync_date": fields.Datetime.now(), "sync_run": self.sync_run + 1}
        )
        with self.work_on("openproject.backend") as work:
            work.component(usage="backend.synchronizer").run()
        return True

    def _record_sync_event(self, model_name, counts=None, external_id=0, message=""):
        """Keep what a job did for the backend's last-sync report.

        Each job inserts its own rows rather than incrementing counters on the
        backend: concurrent jobs then never update the same row.
        """
        self.ensure_one()
        vals = {
            "backend_id": self.id,
            "run": self.sync_run,
            "run_date": self.last_sync_date or fields.Datetime.now(),
            "binding_model": model_name,
            "external_id": external_id,
            "message": message,
        }
        vals.update(counts or {})
        return self.env["openproject.sync.event"].sudo().create(vals)

    # --- smart buttons -----------------------------------------------------------

    def _action_open(self, model, name, domain):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "list,form",
            "domain": domain,
            "context": {"create": False},
        }

    def action_open_projects(self):
        self.ensure_one()
        bindings = self.env["openproject.project.project"].search(
            [("backend_id", "=", self.id), ("odoo_id", "!=", False)]
        )
        return self._action_open(
            "project.project",
            _("Projects"),
            [("id", "in", bindings.odoo_id.ids)],
        ) | {"view_mode": "kanban,list,form"}

    def action_open_tasks(self):
        self.ensure_one()
        return self._action_open(
            "project.task",
            _("Tasks"),
            [("openproject_bind_ids.backend_id", "=", self.id)],
        )

    def action_open_timesheets(self):
        self.ensure_one()
        return self._action_open(
            "account.analytic.line",
            _("Timesheets"),
            [("openproject_bind_ids.backend_id", "=", self.id)],
        )

    def action_open_users(self):
        self.ensure_one()
        return self._action_open(
            "openproject.res.users",
            _("Users"),
            [("backend_id", "=", self.id)],
        )

    def action_open_jobs(self):
        self.ensure_one()
        return self._action_open("queue.job", _("Jobs"), self._job_domain())

    def action_open_project_settings(self):
        self.ensure_one()
        return self._action_open(
            "openproject.project.project",
            _("OpenProject projects"),
            [("backend_id", "=", self.id)],
        ) | {"context": {"create": False, "active_test": False}}
