# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The emulator's HTTP side: a threaded werkzeug server speaking OpenProject API v3.

It serves read requests under ``<base_path>/api/v3`` with OpenProject's
authentication, visibility rules, HAL errors and paging, and lets tests inject
the failures a real installation or its proxy produces (5xx, throttling, slow or
dropped responses, broken JSON, HTML error pages, data changing between pages).
Where OpenProject's behaviour had to be chosen (visibility of archived projects,
version switches, ...) the choice is listed in this package's README.md.
"""

import dataclasses
import hmac
import inspect
import ipaddress
import json
import logging
import random
import re
import socket
import threading
import time
from urllib.parse import urlencode

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from . import query as q
from .hal import Renderer

_logger = logging.getLogger(__name__)

ERROR_URN = "urn:openproject-org:api:v3:errors:"
HAL_JSON = "application/hal+json; charset=utf-8"
FAULT_KINDS = (
    "500",
    "429",
    "slow",
    "drop",
    "malformed",
    "html",
    "change_between_pages",
)
PROXY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclasses.dataclass(frozen=True)
class RequestRecord:
    """One request as the emulator saw it; ``path`` excludes the base path."""

    method: str
    path: str
    query: dict
    status: int
    fault: str | None = None


class ApiError(Exception):
    def __init__(self, status, identifier, message, headers=None):
        super().__init__(message)
        self.status = status
        self.identifier = identifier
        self.message = message
        self.headers = headers or {}


def not_found(message="The requested resource could not be found."):
    return ApiError(404, "NotFound", message)


def parse_version(text):
    parts = [int(part) for part in re.findall(r"\d+", text)[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def _is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _QuietHandler(WSGIRequestHandler):
    """Request handler without werkzeug's per-request access log on stderr."""

    def log(self, type, message, *args):  # noqa: A002 - werkzeug's signature
        _logger.debug("emulator %s: " + message, type, *args)


class _Fault:
    def __init__(self, kind, count, opts):
        self.kind = kind
        self.remaining = count
        self.path = opts.pop("path", None)
        self.skip = opts.pop("skip", 0)
        self.opts = opts


class _Ctx:
    """What filter compilers need to know about the request."""

    def __init__(self, inst, current_user_id):
        self.inst = inst
        self.current_user_id = current_user_id

    def now(self):
        return self.inst.clock()


class EmulatorServer:
    """A loopback HTTP server emulating one OpenProject installation.

    ``admin`` says whether the API key's user is an administrator;
    ``anonymous_access`` emulates an instance that does not force login.
    """

    def __init__(
        self,
        inst,
        api_key="op-secret",
        host="127.0.0.1",
        port=0,
        base_path="",
        max_page_size=1000,
        default_page_size=20,
        anonymous_access=False,
        admin=True,
        version="17.9.0",
    ):
        if not _is_loopback(host):
            raise ValueError(f"the emulator only listens on loopback, not {host!r}")
        self.inst = inst
        self.api_key = api_key
        self.host = host
        self.port = port
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self.max_page_size = max_page_size
        self.default_page_size = default_page_size
        self.anonymous_access = anonymous_access
        self.admin = admin
        self.version_string = version
        self.version = parse_version(version)
        self.request_log = []
        self._faults = []
        self._fault_lock = threading.Lock()
        self._rates = {}
        self._rng = random.Random(0)
        self._server = None
        self._thread = None
        self._routes = self._build_routes()

    # ------------------------------------------------------------ lifecycle
    def start(self):
        self._server = make_server(
            self.host,
            self.port,
            self._wsgi,
            threaded=True,
            request_handler=_QuietHandler,
        )
        self.port = self._server.port
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="openproject-emulator",
            daemon=True,
        )
        self._thread.start()
        _logger.info("OpenProject emulator listening on %s", self.url)
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.base_path}"

    def clear_log(self):
        self.request_log.clear()

    # --------------------------------------------------------------- faults
    def inject(self, kind, count=1, **opts):
        """Make the next ``count`` API requests misbehave.

        Options: ``path`` (only requests whose path, without the base path,
        starts with it count), ``skip`` (let that many matching requests through
        first); per kind: 429 ``reset_in``, ``retry_after``, ``limit``; slow
        ``delay``; change_between_pages ``callback`` and ``after_response``
        (run the callback once the response is built instead of before).
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        if kind == "change_between_pages" and not callable(opts.get("callback")):
            raise ValueError("change_between_pages needs a callback")
        with self._fault_lock:
            self._faults.append(_Fault(kind, count, dict(opts)))

    def clear_faults(self):
        """Forget the injected faults not used yet and the random fault rates."""
        with self._fault_lock:
            self._faults.clear()
            self._rates = {}

    def set_fault_rates(
        self,
        error_500=0.0,
        throttle_429=0.0,
        slow=0.0,
        drop=0.0,
        malformed=0.0,
        seed=0,
        slow_delay=0.05,
    ):
        """Let a random share of API requests misbehave (seeded, reproducible)."""
        with self._fault_lock:
            self._rates = {
                "500": error_500,
                "429": throttle_429,
                "slow": slow,
                "drop": drop,
                "malformed": malformed,
            }
            self._slow_delay = slow_delay
            self._rng = random.Random(seed)

    def _take_fault(self, path):
        with self._fault_lock:
            for fault in self._faults:
                if fault.path and not path.startswith(fault.path):
                    continue
                if fault.skip:
                    fault.skip -= 1
                    return None
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
            if self._rates:
                draw = self._rng.random()
                for kind, rate in self._rates.items():
                    if draw < rate:
                        opts = {"delay": self._slow_delay} if kind == "slow" else {}
                        return _Fault(kind, 1, opts)
                    draw -= rate
        return None

    # ------------------------------------------------------------------ WSGI
    def _wsgi(self, environ, start_response):
        request = Request(environ)
        response, record = self._dispatch(request, environ)
        self.request_log.append(record)
        return response(environ, start_response)

    def _dispatch(self, request, environ):
        path = request.path
        base = self.base_path
        if not path.startswith(base + "/api/v3") or (
            len(path) > len(base) + 7 and path[len(base) + 7] != "/"
        ):
            response = self._non_api(request)
            rel = path[len(base) :] if path.startswith(base + "/") else path
            record = RequestRecord(
                request.method, rel, request.args.to_dict(), response.status_code
            )
            return response, record
        rel = path[len(base) :]
        fault = self._take_fault(rel)
        kind = fault.kind if fault else None
        response = None
        if kind == "500":
            response = self._error_response(
                ApiError(500, "InternalServerError", "An internal error has occurred.")
            )
        elif kind == "429":
            response = self._throttled(fault.opts)
        elif kind == "html":
            response = Response(PROXY_PAGE, status=502, content_type="text/html")
        else:
            if kind == "slow":
                time.sleep(fault.opts.get("delay", 0.5))
            callback = fault.opts.get("callback") if fault else None
            after = fault.opts.get("after_response") if fault else False
            if callback and not after:
                self._run_callback(callback)
            response = self._api_response(request, rel)
            if callback and after:
                self._run_callback(callback)
            if kind == "malformed":
                data = response.get_data()
                response = Response(
                    data[: max(1, len(data) // 2)], status=200, content_type=HAL_JSON
                )
            elif kind == "drop":
                response = self._dropping(response, environ)
        record = RequestRecord(
            request.method,
            rel,
            request.args.to_dict(),
            response.status_code,
            kind,
        )
        return response, record

    def _run_callback(self, callback):
        if inspect.signature(callback).parameters:
            callback(self.inst)
        else:
            callback()

    def _non_api(self, request):
        if request.path.rstrip("/") == self.base_path:
            return Response(
                "<!DOCTYPE html><html><head><title>OpenProject</title></head>"
                "<body><h1>Sign in</h1></body></html>",
                content_type="text/html",
            )
        return Response(
            "<!DOCTYPE html><html><head><title>404</title></head>"
            "<body><h1>Page not found</h1></body></html>",
            status=404,
            content_type="text/html",
        )

    def _throttled(self, opts):
        reset = int(time.time() + opts.get("reset_in", 1))
        response = self._error_response(
            ApiError(
                429,
                "Throttled",
                "You have reached the request limit for this resource.",
            )
        )
        response.headers["RateLimit-Limit"] = str(opts.get("limit", 100))
        response.headers["RateLimit-Remaining"] = "0"
        response.headers["RateLimit-Reset"] = str(reset)
        if opts.get("retry_after") is not None:
            response.headers["Retry-After"] = str(opts["retry_after"])
        return response

    @staticmethod
    def _dropping(response, environ):
        """Announce the full body, send half of it, then close the connection."""
        data = response.get_data()

        def body():
            yield data[: len(data) // 2]
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            # werkzeug treats ConnectionError as a dropped connection and writes
            # nothing more.
            raise ConnectionAbortedError("emulated connection drop")

        dropped = Response(body(), status=response.status_code, direct_passthrough=True)
        dropped.headers["Content-Type"] = response.headers["Content-Type"]
        dropped.headers["Content-Length"] = str(len(data))
        return dropped

    @staticmethod
    def _json_response(body, status=200, headers=None):
        response = Response(
            json.dumps(body, ensure_ascii=False),
            status=status,
            content_type=HAL_JSON,
        )
        for name, value in (headers or {}).items():
            response.headers[name] = value
        return response

    def _error_response(self, error):
        body = {
            "_type": "Error",
            "errorIdentifier": ERROR_URN + error.identifier,
            "message": error.message,
        }
        return self._json_response(body, error.status, error.headers)

    def _api_response(self, request, rel):
        try:
            if request.method not in ("GET", "HEAD"):
                raise ApiError(
                    405,
                    "MethodNotAllowed",
                    "The emulator serves read requests only.",
                )
            user_id, anonymous = self._authenticate(request)
            handler, params = self._route(rel[len("/api/v3") :])
            ctx = _RequestContext(self, request, user_id, anonymous)
            with self.inst.lock:
                body = handler(ctx, *params)
            return self._json_response(body)
        except q.QueryError as err:
            return self._error_response(ApiError(400, "InvalidQuery", str(err)))
        except ApiError as err:
            return self._error_response(err)

    # ---------------------------------------------------------------- auth
    def _authenticate(self, request):
        """Return (user id, anonymous?) or raise 401 like OpenProject."""
        header = request.headers.get("Authorization")
        if not header:
            if self.anonymous_access:
                return self.inst.meta["anonymous_user_id"], True
            raise self._unauthenticated()
        token = None
        scheme, _sep, credentials = header.partition(" ")
        if scheme.lower() == "basic":
            auth = request.authorization  # werkzeug decodes Basic credentials
            if auth is not None and auth.username == "apikey":
                token = auth.password
        elif scheme.lower() == "bearer" and self.version >= (17, 0, 0):
            # API tokens as Bearer only from 17.0; before, Bearer means OAuth.
            token = credentials.strip()
        if token is None or not hmac.compare_digest(
            token.encode("utf-8"), self.api_key.encode("utf-8")
        ):
            raise self._unauthenticated()
        return self.inst.meta["api_user_id"], False

    @staticmethod
    def _unauthenticated():
        return ApiError(
            401,
            "Unauthenticated",
            "You did not provide the correct credentials.",
            {"WWW-Authenticate": 'Basic realm="OpenProject API"'},
        )

    # -------------------------------------------------------------- routing
    def _build_routes(self):
        num = r"(\d+)"
        table = [
            (r"/?", _root),
            (r"/users/me", _me),
            (r"/projects", _projects),
            (r"/projects/([^/]+)", _project),
            (r"/(?:programs|portfolios|workspaces)/([^/]+)", _project),
            (r"/projects/([^/]+)/work_packages", _project_work_packages),
            (r"/work_packages", _work_packages),
            (rf"/work_packages/{num}", _work_package),
            (rf"/work_packages/{num}/activities", _wp_activities),
            (rf"/activities/{num}", _activity),
            (r"/time_entries", _time_entries),
            (rf"/time_entries/activities/{num}", _time_entry_activity),
            (rf"/time_entries/{num}", _time_entry),
            (rf"/meetings/{num}", _meeting),
            (r"/statuses", _statuses),
            (rf"/statuses/{num}", _status),
            (r"/types", _types),
            (rf"/types/{num}", _type),
            (r"/priorities", _priorities),
            (rf"/priorities/{num}", _priority),
            (r"/users", _users),
            (rf"/users/{num}", _user),
            (r"/principals", _principals),
            (rf"/groups/{num}", _group),
            (rf"/placeholder_users/{num}", _placeholder),
        ]
        return [(re.compile(pattern + r"\Z"), handler) for pattern, handler in table]

    def _route(self, subpath):
        for pattern, handler in self._routes:
            match = pattern.match(subpath)
            if match:
                return handler, match.groups()
        raise not_found()


class _RequestContext:
    """Per-request view: who asks, what they may see, how to render."""

    def __init__(self, server, request, user_id, anonymous):
        self.server = server
        self.inst = server.inst
        self.request = request
        self.args = request.args
        self.user_id = user_id
        self.anonymous = anonymous
        self.admin = server.admin and not anonymous
        self.version = server.version
        self.render = Renderer(
            server.inst, server.base_path, server.version, self.admin, user_id
        )
        self.filter_ctx = _Ctx(server.inst, user_id)

    # ------------------------------------------------------------ visibility
    def project_visible(self, project):
        if self.anonymous:
            return project["active"] and project["public"]
        # Admins see archived projects; everybody else gets 404 for them.
        return project["active"] or self.admin

    def project_open(self, project_id):
        """Work packages and time entries of archived projects are out of sight
        for everybody, administrators included."""
        project = self.inst.projects.get(project_id)
        return (
            project is not None and project["active"] and self.project_visible(project)
        )

    # ------------------------------------------------------------ collections
    def collection(
        self,
        name,
        path,
        records,
        render,
        coll_type="Collection",
        default_filters=None,
        refused_filters=(),
        hide=None,
    ):
        """Filter, sort, page and render a paginated collection."""
        args = self.args
        raw_filters = args.get("filters")
        if raw_filters is None:
            parsed = default_filters or []
        else:
            parsed = q.parse_filters(raw_filters)
        predicates = q.compile_filters(name, parsed, self.filter_ctx, refused_filters)
        if hide is not None:
            hide_predicate = hide(parsed)
            if hide_predicate is not None:
                predicates.append(hide_predicate)
        selected = [r for r in records if all(p(r) for p in predicates)]
        order = q.parse_sort(name, args["sortBy"]) if "sortBy" in args else []
        selected = q.sort_records(selected, order)
        offset, size = q.parse_paging(
            args, self.server.default_page_size, self.server.max_page_size
        )
        select = q.parse_select(args["select"]) if "select" in args else None
        page = selected[(offset - 1) * size : offset * size] if size else []
        total = len(selected)
        if select is not None and select[1] and select[1] <= FAST_SELECT.keys():
            elements = [
                {FAST_SELECT[prop][0]: r[FAST_SELECT[prop][1]] for prop in select[1]}
                for r in page
            ]
        else:
            elements = [render(r) for r in page]
        body = {
            "_type": coll_type,
            "total": total,
            "count": len(page),
            "pageSize": size,
            "offset": offset,
            "_embedded": {"elements": elements},
            "_links": self._paging_links(path, offset, size, total),
        }
        if select is not None:
            body = q.apply_select(body, *select)
        return body

    def _paging_links(self, path, offset, size, total):
        params = {
            k: v
            for k, v in self.args.items()
            if k in ("filters", "sortBy", "select", "groupBy")
        }
        href = f"{self.render.api}/{path}"

        def with_params(**extra):
            merged = dict(params, **extra)
            return href + "?" + urlencode(sorted(merged.items()))

        links = {
            "self": {"href": with_params(offset=offset, pageSize=size)},
            "jumpTo": {
                "href": with_params(offset="{offset}", pageSize=size),
                "templated": True,
            },
            "changeSize": {
                "href": with_params(offset=offset, pageSize="{size}"),
                "templated": True,
            },
        }
        if size and offset * size < total:
            links["nextByOffset"] = {
                "href": with_params(offset=offset + 1, pageSize=size)
            }
        if offset > 1:
            links["previousByOffset"] = {
                "href": with_params(offset=offset - 1, pageSize=size)
            }
        return links

    def plain_collection(self, path, elements):
        return {
            "_type": "Collection",
            "total": len(elements),
            "count": len(elements),
            "_embedded": {"elements": elements},
            "_links": {"self": {"href": f"{self.render.api}/{path}"}},
        }


FAST_SELECT = {
    "id": ("id", "id"),
    "updatedAt": ("updatedAt", "updated_at"),
    "createdAt": ("createdAt", "created_at"),
}


# --------------------------------------------------------------- handlers


def _root(ctx):
    return ctx.render.root()


def _me(ctx):
    return ctx.render.user(ctx.inst.users[ctx.user_id])


def _projects(ctx):
    refused = () if ctx.version >= (16, 5, 0) else ("updated_at",)
    records = [p for p in ctx.inst.projects.values() if ctx.project_visible(p)]
    return ctx.collection(
        "projects", "projects", records, ctx.render.project, refused_filters=refused
    )


def _find_project(ctx, ref):
    projects = ctx.inst.projects
    if ref.isdigit():
        project = projects.get(int(ref))
    else:
        project = next((p for p in projects.values() if p["identifier"] == ref), None)
    if project is None or not ctx.project_visible(project):
        raise not_found()
    return project


def _project(ctx, ref):
    return ctx.render.project(_find_project(ctx, ref))


WP_DEFAULT_FILTERS = [("status", "o", [])]


def _visible_work_packages(ctx):
    return [
        wp
        for wp in ctx.inst.work_packages.values()
        if ctx.project_open(wp["project_id"])
    ]


def _work_packages(ctx):
    # Without a filters parameter OpenProject applies its default query: open
    # work packages only. filters=[] lifts it.
    return ctx.collection(
        "work_packages",
        "work_packages",
        _visible_work_packages(ctx),
        ctx.render.work_package,
        coll_type="WorkPackageCollection",
        default_filters=WP_DEFAULT_FILTERS,
    )


def _project_work_packages(ctx, ref):
    project = _find_project(ctx, ref)
    if not project["active"]:
        raise not_found()
    # Subproject work packages are included, as with OpenProject's default
    # "display subprojects' work packages" setting.
    scope = {project["id"]}
    todo = [project["id"]]
    while todo:
        current = todo.pop()
        for child in ctx.inst.projects.values():
            if child["parent_id"] == current and child["id"] not in scope:
                scope.add(child["id"])
                todo.append(child["id"])
    records = [wp for wp in _visible_work_packages(ctx) if wp["project_id"] in scope]
    return ctx.collection(
        "work_packages",
        f"projects/{project['id']}/work_packages",
        records,
        ctx.render.work_package,
        coll_type="WorkPackageCollection",
        default_filters=WP_DEFAULT_FILTERS,
    )


def _get_work_package(ctx, wp_id):
    wp = ctx.inst.work_packages.get(int(wp_id))
    if wp is None or not ctx.project_open(wp["project_id"]):
        raise not_found("The specified work package does not exist.")
    return wp


def _work_package(ctx, wp_id):
    return ctx.render.work_package(_get_work_package(ctx, wp_id))


def _wp_activities(ctx, wp_id):
    wp = _get_work_package(ctx, wp_id)
    activities = [
        a
        for a in ctx.inst.activities_of(wp["id"])
        if ctx.admin or not a.get("internal")
    ]
    return ctx.plain_collection(
        f"work_packages/{wp['id']}/activities",
        [ctx.render.activity(a) for a in activities],
    )


def _activity(ctx, activity_id):
    activity = ctx.inst.activities.get(int(activity_id))
    if activity is None or (activity.get("internal") and not ctx.admin):
        raise not_found()
    _get_work_package(ctx, activity["work_package_id"])
    return ctx.render.activity(activity)


def _hide_running_timers(parsed):
    # Running timers only show up when the request filters on "ongoing".
    if any(q.snake(name) == "ongoing" for name, _op, _values in parsed):
        return None
    return lambda r: not r["ongoing"]


def _time_entries(ctx):
    refused = () if ctx.version >= (8, 0, 0) else ("updated_at",)
    records = [
        e for e in ctx.inst.time_entries.values() if ctx.project_open(e["project_id"])
    ]
    return ctx.collection(
        "time_entries",
        "time_entries",
        records,
        ctx.render.time_entry,
        refused_filters=refused,
        hide=_hide_running_timers,
    )


def _time_entry(ctx, entry_id):
    entry = ctx.inst.time_entries.get(int(entry_id))
    if entry is None or not ctx.project_open(entry["project_id"]):
        raise not_found()
    return ctx.render.time_entry(entry)


def _time_entry_activity(ctx, activity_id):
    record = ctx.inst.time_entry_activities.get(int(activity_id))
    if record is None:
        raise not_found()
    return ctx.render.time_entry_activity(record)


def _meeting(ctx, meeting_id):
    meeting = ctx.inst.meetings.get(int(meeting_id))
    if meeting is None or not ctx.project_open(meeting["project_id"]):
        raise not_found()
    return ctx.render.meeting(meeting)


def _by_position(records):
    return sorted(records, key=lambda r: (r["position"], r["id"]))


def _statuses(ctx):
    return ctx.plain_collection(
        "statuses",
        [ctx.render.status(s) for s in _by_position(ctx.inst.statuses.values())],
    )


def _status(ctx, status_id):
    record = ctx.inst.statuses.get(int(status_id))
    if record is None:
        raise not_found()
    return ctx.render.status(record)


def _types(ctx):
    return ctx.plain_collection(
        "types", [ctx.render.type(t) for t in _by_position(ctx.inst.types.values())]
    )


def _type(ctx, type_id):
    record = ctx.inst.types.get(int(type_id))
    if record is None:
        raise not_found()
    return ctx.render.type(record)


def _priorities(ctx):
    return ctx.plain_collection(
        "priorities",
        [ctx.render.priority(p) for p in _by_position(ctx.inst.priorities.values())],
    )


def _priority(ctx, priority_id):
    record = ctx.inst.priorities.get(int(priority_id))
    if record is None:
        raise not_found()
    return ctx.render.priority(record)


def _forbidden():
    return ApiError(
        403, "MissingPermission", "You are not authorized to access this resource."
    )


def _users(ctx):
    if not ctx.admin:
        raise _forbidden()
    records = [u for u in ctx.inst.users.values() if u["type"] == "User"]
    return ctx.collection("users", "users", records, ctx.render.user)


def _user(ctx, user_id):
    user = ctx.inst.users.get(int(user_id))
    if user is None or user["type"] in ("Group", "PlaceholderUser"):
        raise not_found()
    return ctx.render.user(user)


def _principals(ctx):
    records = [
        u
        for u in ctx.inst.users.values()
        if u["type"] in ("User", "Group", "PlaceholderUser")
    ]
    return ctx.collection("principals", "principals", records, ctx.render.principal)


def _group(ctx, group_id):
    return _typed_principal(ctx, group_id, "Group")


def _placeholder(ctx, placeholder_id):
    return _typed_principal(ctx, placeholder_id, "PlaceholderUser")


def _typed_principal(ctx, principal_id, kind):
    principal = ctx.inst.users.get(int(principal_id))
    if principal is None or principal["type"] != kind:
        raise not_found()
    return ctx.render.principal(principal)
