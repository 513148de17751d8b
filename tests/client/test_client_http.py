# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The client against the emulator (and a scripted stub) over real HTTP."""

import base64
import datetime

import pytest
import requests
from openproject_api import OpenProjectClient, __version__, errors, filters, values

URN = "urn:openproject-org:api:v3:errors:"
ROOT = {"_type": "Root", "instanceName": "Stub", "_links": {}}


def quick_client(url, key, **options):
    options.setdefault("max_retries", 2)
    options.setdefault("backoff_factor", 0.001)
    options.setdefault("backoff_max", 0.05)
    return OpenProjectClient(url, key, **options)


def test_basic_auth_user_agent_and_accept_headers(stub_server):
    stub = stub_server(lambda path, query: (200, {}, ROOT))
    client = quick_client(stub.url, "secret-key")
    assert client.root()["instanceName"] == "Stub"
    headers = stub.requests[0]["headers"]
    assert headers["User-Agent"] == (
        f"connector_openproject/{__version__} python-requests/{requests.__version__}"
    )
    assert headers["Authorization"] == "Basic " + base64.b64encode(
        b"apikey:secret-key"
    ).decode("ascii")
    assert "hal+json" in headers["Accept"]
    assert stub.requests[0]["path"] == "/api/v3"
    assert "secret-key" not in repr(client)


def test_bearer_auth_sends_the_token(stub_server):
    stub = stub_server(lambda path, query: (200, {}, ROOT))
    quick_client(stub.url, "tok", auth_mode="bearer").root()
    assert stub.requests[0]["headers"]["Authorization"] == "Bearer tok"


def test_api_key_over_basic_reads_root_and_me(emulator, api_key):
    server = emulator()
    client = quick_client(server.url, api_key)
    assert client.root()["_type"] == "Root"
    me = client.me()
    assert me["login"] and not client.is_anonymous(me)
    assert [r.path for r in server.request_log] == ["/api/v3", "/api/v3/users/me"]
    assert client.request_count == 2


def test_bearer_api_token_works_from_17_and_is_refused_before(emulator, api_key):
    recent = emulator(version="17.9.0")
    assert quick_client(recent.url, api_key, auth_mode="bearer").me()["login"]
    older = emulator(version="16.6.0")
    with pytest.raises(errors.Unauthenticated) as caught:
        quick_client(older.url, api_key, auth_mode="bearer").me()
    assert caught.value.status == 401 and not caught.value.retryable


def test_wrong_key_is_unauthenticated_and_the_message_names_path_not_key(
    emulator,
):
    server = emulator()
    client = quick_client(server.url, "wrong-key-123")
    with pytest.raises(errors.Unauthenticated) as caught:
        client.me()
    error = caught.value
    assert error.identifier == "Unauthenticated"
    assert "/api/v3/users/me" in str(error)
    assert "wrong-key-123" not in str(error)
    # Not retried: a 401 does not improve.
    assert client.request_count == 1 and len(server.request_log) == 1


def test_anonymous_access_instance_answers_without_key(emulator):
    server = emulator(anonymous_access=True)
    client = quick_client(server.url, "")
    assert client.is_anonymous(client.me())


def test_non_admin_gets_missing_permission_on_users_but_sees_principals(
    emulator, api_key
):
    server = emulator(admin=False)
    client = quick_client(server.url, api_key)
    with pytest.raises(errors.MissingPermission) as caught:
        client.get_page("users")
    assert caught.value.status == 403
    principals = list(client.iter_elements("principals"))
    assert principals
    me = client.me()
    others = [p for p in principals if p["_type"] == "User" and p["id"] != me["id"]]
    # Without manage_user, other users come reduced to id and name.
    assert others and all("login" not in p for p in others)


def test_missing_work_package_is_not_found(emulator, api_key):
    client = quick_client(emulator().url, api_key)
    with pytest.raises(errors.NotFound) as caught:
        client.get("work_packages/999999")
    assert caught.value.identifier == "NotFound"
    assert caught.value.path == "/api/v3/work_packages/999999"


def test_unknown_filter_is_invalid_query(emulator, api_key):
    client = quick_client(emulator().url, api_key)
    with pytest.raises(errors.InvalidQuery) as caught:
        client.get_page("work_packages", filters=[{"noSuchFilter": {"operator": "="}}])
    assert caught.value.status == 400
    assert client.request_count == 1


def test_time_entries_updated_at_filter_refused_on_7x(emulator, api_key):
    server = emulator(version="7.3.0")
    client = quick_client(server.url, api_key)
    since = filters.updated_since(datetime.datetime(2020, 1, 1))
    with pytest.raises(errors.InvalidQuery):
        list(client.iter_pages("time_entries", filters=[since], keyset=True))
    # Without the filter the same listing works: the sync falls back to it.
    assert list(client.iter_pages("time_entries", filters=filters.time_entry_filters()))


def test_multiple_errors_body_over_http(stub_server):
    body = {
        "_type": "Error",
        "errorIdentifier": URN + "MultipleErrors",
        "message": "Multiple field constraints have been violated.",
        "_embedded": {
            "errors": [
                {
                    "errorIdentifier": URN + "PropertyConstraintViolation",
                    "message": "A",
                },
                {
                    "errorIdentifier": URN + "PropertyConstraintViolation",
                    "message": "B",
                },
            ]
        },
    }
    stub = stub_server(lambda path, query: (422, {}, body))
    with pytest.raises(errors.PropertyConstraintViolation) as caught:
        quick_client(stub.url, "k").get("projects/1")
    assert caught.value.messages == ["A", "B"]


def test_html_proxy_page_after_retries_is_a_server_error_with_excerpt(
    emulator, api_key
):
    server = emulator()
    server.inject("html", count=5)
    client = quick_client(server.url, api_key, max_retries=2)
    with pytest.raises(errors.ServerError) as caught:
        client.get("statuses")
    error = caught.value
    assert error.status == 502 and error.retryable
    # The <title> sits in <head>, left out with it.
    assert error.body_excerpt == "502 Bad Gateway nginx"
    assert client.request_count == 3
    assert [r.status for r in server.request_log] == [502, 502, 502]


def test_non_json_error_page_is_typed_by_status(stub_server):
    page = "<html><body><h1>Forbidden by proxy</h1></body></html>"
    stub = stub_server(lambda path, query: (403, {"Content-Type": "text/html"}, page))
    with pytest.raises(errors.MissingPermission) as caught:
        quick_client(stub.url, "k").get("projects")
    assert caught.value.body_excerpt == "Forbidden by proxy"
    assert caught.value.identifier is None


def test_html_page_on_root_is_not_an_openproject_instance(stub_server):
    page = "<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>"
    stub = stub_server(lambda path, query: (200, {"Content-Type": "text/html"}, page))
    with pytest.raises(errors.NotAnOpenProjectInstance) as caught:
        quick_client(stub.url, "k").root()
    assert "Welcome to nginx!" in caught.value.body_excerpt
    assert not caught.value.retryable


def test_json_without_type_on_root_is_not_an_openproject_instance(stub_server):
    stub = stub_server(lambda path, query: (200, {}, {"status": "ok"}))
    with pytest.raises(errors.NotAnOpenProjectInstance):
        quick_client(stub.url, "k").root()


def test_wrong_sub_path_is_not_an_openproject_instance(emulator, api_key):
    server = emulator()
    client = quick_client(server.url + "/not-openproject", api_key)
    with pytest.raises(errors.NotAnOpenProjectInstance) as caught:
        client.root()
    assert caught.value.status == 404


def test_sub_path_instance_follows_hrefs_without_doubling_the_prefix(emulator, api_key):
    server = emulator(base_path="/openproject")
    assert server.url.endswith("/openproject")
    client = quick_client(server.url, api_key)
    assert client.root()["_type"] == "Root"
    work_package = client.get_page("work_packages", page_size=1).elements[0]
    self_href = work_package["_links"]["self"]["href"]
    assert self_href.startswith("/openproject/api/v3/work_packages/")
    assert client.get(self_href)["id"] == work_package["id"]
    project_href = work_package["_links"]["project"]["href"]
    assert values.parse_href(project_href)[0] == "projects"
    assert client.get(project_href)["id"] == values.link_ref(work_package, "project")[1]
    assert all(r.status == 200 for r in server.request_log)
    assert client.url_for(self_href) == client.origin + self_href
    assert client.url_for("/api/v3/statuses") == server.url + "/api/v3/statuses"
    assert client.url_for("statuses") == server.url + "/api/v3/statuses"


def test_trailing_api_v3_in_base_url_is_tolerated(emulator, api_key):
    server = emulator()
    client = quick_client(server.url + "/api/v3/", api_key)
    assert client.root()["_type"] == "Root"


def test_absolute_url_to_another_host_is_refused(emulator, api_key):
    client = quick_client(emulator().url, api_key)
    with pytest.raises(ValueError, match="outside"):
        client.url_for("http://127.0.0.2:9/api/v3/users")


def test_self_signed_certificate_is_a_tls_error_and_not_retried(
    stub_server, tls_context, self_signed_cert
):
    stub = stub_server(lambda path, query: (200, {}, ROOT), tls_context=tls_context)
    client = quick_client(stub.url, "k", max_retries=3)
    with pytest.raises(errors.TLSError) as caught:
        client.root()
    assert not caught.value.retryable
    assert caught.value.path == "/api/v3"
    assert client.request_count == 1
    assert stub.requests == []
    # Trusting the certificate explicitly works: verification stays on.
    trusting = quick_client(stub.url, "k", verify=str(self_signed_cert[0]))
    assert trusting.root()["_type"] == "Root"


def test_get_elements_reads_unpaginated_collections(emulator, api_key):
    server = emulator()
    client = quick_client(server.url, api_key)
    statuses = client.get_elements("statuses")
    assert {s["id"] for s in statuses} == set(server.inst.statuses)
    visible_wp_ids = {wp["id"] for wp in client.iter_elements("work_packages")}
    wp_id = next(
        a["work_package_id"]
        for a in server.inst.activities.values()
        if a["work_package_id"] in visible_wp_ids
    )
    activities = client.get_elements(f"work_packages/{wp_id}/activities")
    assert activities and all(
        a["_type"] in ("Activity", "Activity::Comment") for a in activities
    )
