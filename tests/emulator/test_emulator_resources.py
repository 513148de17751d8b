# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""HAL shapes compared with the OpenProject example payloads."""

import pytest
from emulator_helpers import Api


def _wp_by_subject(inst, subject):
    return next(wp for wp in inst.work_packages.values() if wp["subject"] == subject)


def test_work_package_shape_matches_openproject(api, inst):
    wp = _wp_by_subject(inst, "CMS integration")
    body = api.get(f"work_packages/{wp['id']}")
    assert body["_type"] == "WorkPackage"
    assert body["estimatedTime"] == "P1DT16H"  # 40 h with 24-hour days
    assert body["description"]["format"] == "markdown"
    assert body["description"]["html"].startswith('<p class="op-uc-p">Connect')
    assert body["lockVersion"] == wp["lock_version"]
    assert body["updatedAt"] == wp["updated_at"]
    assert body["updatedAt"].endswith("Z") and len(body["updatedAt"]) == 24
    links = body["_links"]
    assert links["self"] == {
        "href": f"/api/v3/work_packages/{wp['id']}",
        "title": "CMS integration",
    }
    assert links["responsible"] == {
        "href": "/api/v3/groups/11",
        "title": "Backend team",
    }
    assert links["status"]["title"] == "In progress"
    assert links["parent"]["title"] == "Build"
    assert [a["title"] for a in links["ancestors"]] == ["Build"]
    assert links["activities"]["href"].endswith(f"/work_packages/{wp['id']}/activities")
    assert "work_package_id" in links["timeEntries"]["href"]


def test_milestone_has_date_only_and_placeholder_assignee(api, inst):
    wp = _wp_by_subject(inst, "Go-live")
    body = api.get(f"work_packages/{wp['id']}")
    assert body["date"] == wp["due_date"]
    assert not {"startDate", "dueDate", "duration"} & set(body)
    assert body["_links"]["assignee"]["href"] == "/api/v3/placeholder_users/12"
    assert body["_links"]["parent"] == {"href": None, "title": None}
    assert body["_links"]["ancestors"] == []


def test_unassigned_work_package_has_null_assignee_link(api, inst):
    wp = _wp_by_subject(inst, "Search returns duplicate results")
    body = api.get(f"work_packages/{wp['id']}")
    assert body["_links"]["assignee"] == {"href": None}
    assert body["startDate"] is None and body["estimatedTime"] is None


def test_activities_mix_changes_and_comments(api, inst):
    wp = _wp_by_subject(inst, "CMS integration")
    body = api.get(f"work_packages/{wp['id']}/activities")
    elements = body["_embedded"]["elements"]
    assert [e["version"] for e in elements] == list(range(1, len(elements) + 1))
    types = {e["_type"] for e in elements}
    assert types == {"Activity", "Activity::Comment"}
    change = next(e for e in elements if e["details"])
    assert change["details"][0]["format"] == "custom"
    assert change["details"][0]["raw"].startswith("Status changed from ")
    assert "<strong>Status</strong>" in change["details"][0]["html"]
    deleted = [e for e in elements if e["_links"]["user"]["href"] == "/api/v3/users/3"]
    assert deleted and deleted[0]["_type"] == "Activity::Comment"
    assert any(e["internal"] for e in elements)
    assert elements[0]["_links"]["workPackage"]["title"] == "CMS integration"


def test_internal_comments_hidden_from_non_admins(make_server, inst):
    wp = _wp_by_subject(inst, "CMS integration")
    api = Api(make_server(admin=False))
    elements = api.get(f"work_packages/{wp['id']}/activities")["_embedded"]["elements"]
    assert elements and not any(e["internal"] for e in elements)


def test_time_entry_shape_and_entity(api, inst):
    meeting_entry = next(e for e in inst.time_entries.values() if e["meeting_id"])
    body = api.get(f"time_entries/{meeting_entry['id']}")
    assert body["_links"]["workPackage"] == {"href": None}
    assert body["_links"]["entity"] == {
        "href": "/api/v3/meetings/1",
        "title": "Weekly sync",
    }
    long_entry = next(e for e in inst.time_entries.values() if e["hours"] == 26.0)
    body = api.get(f"time_entries/{long_entry['id']}")
    assert body["hours"] == "P1DT2H"
    assert body["comment"] == {
        "format": "plain",
        "raw": "Workshop incl. travel",
        "html": "<p>Workshop incl. travel</p>",
    }
    assert body["_links"]["activity"]["href"] == "/api/v3/time_entries/activities/2"
    assert body["_links"]["entity"] == body["_links"]["workPackage"]


def test_deleted_user_is_rendered_as_user(api):
    body = api.get("users/3")
    assert body["_type"] == "User" and body["name"] == "Deleted user"


def test_locked_user_has_unlock_link_and_no_show_user(api):
    body = api.get("users/7")
    assert body["status"] == "locked"
    assert "unlock" in body["_links"] and "showUser" not in body["_links"]
    assert "lock" not in body["_links"]


def test_user_with_uppercase_email_is_served_verbatim(api):
    assert api.get("users/6")["email"] == "Priya.Raman@Example.com"


def test_group_and_placeholder_endpoints(api):
    assert api.get("groups/11")["_type"] == "Group"
    assert api.get("placeholder_users/12")["_type"] == "PlaceholderUser"
    api.get("users/11", expect=404)


def test_project_shape(api):
    body = api.get("projects/2")
    assert body["_links"]["parent"] == {
        "href": "/api/v3/projects/1",
        "title": "Website relaunch",
    }
    assert body["description"]["raw"].startswith("Copy writing")
    assert api.get("projects/website-relaunch")["id"] == 1
    status = api.get("projects/1")["_links"]["status"]
    assert status == {"href": "/api/v3/project_statuses/on_track", "title": "On track"}


@pytest.mark.parametrize(
    ("path", "body_type"),
    [
        ("statuses/12", "Status"),
        ("types/2", "Type"),
        ("priorities/8", "Priority"),
        ("time_entries/activities/3", "TimeEntriesActivity"),
        ("programs/5", "Project"),
        ("meetings/1", "Meeting"),
    ],
)
def test_single_resources(api, path, body_type):
    assert api.get(path)["_type"] == body_type


def test_statuses_collection(api):
    elements = api.get("statuses")["_embedded"]["elements"]
    closed = {e["name"] for e in elements if e["isClosed"]}
    assert closed == {"Closed", "Rejected"}
    assert [e["name"] for e in elements if e["isDefault"]] == ["New"]


@pytest.mark.parametrize(
    "path",
    [
        "work_packages/999999",
        "projects/999",
        "nothing/here",
        "users/999",
        "time_entries/99999",
        "statuses/99",
    ],
)
def test_unknown_paths_and_ids_are_hal_404(api, path):
    body = api.get(path, expect=404)
    assert body["_type"] == "Error"
    assert body["errorIdentifier"] == "urn:openproject-org:api:v3:errors:NotFound"


def test_write_methods_are_refused(server):
    api = Api(server)
    response = api.session.post(f"{server.url}/api/v3/work_packages", json={})
    assert response.status_code == 405
    assert response.json()["_type"] == "Error"


def test_sub_path_instance_prefixes_every_href(make_server):
    server = make_server(base_path="/openproject")
    assert server.url.endswith("/openproject")
    api = Api(server)
    wp = api.get("work_packages/10")
    assert wp["_links"]["self"]["href"] == "/openproject/api/v3/work_packages/10"
    assert wp["_links"]["project"]["href"].startswith("/openproject/api/v3/")
    page = api.get("projects", pageSize=1)
    assert page["_links"]["nextByOffset"]["href"].startswith("/openproject/api/v3/")
    assert api.get("")["_links"]["self"]["href"] == "/openproject/api/v3"
    # Without the prefix the request misses the application.
    response = api.session.get(server.url.rsplit("/openproject", 1)[0] + "/api/v3/")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")


def test_request_log_records_path_query_and_status(server):
    api = Api(server)
    api.get("projects", pageSize=2)
    api.get("work_packages/999999", expect=404)
    log = server.request_log
    assert [(r.method, r.path, r.status) for r in log] == [
        ("GET", "/api/v3/projects", 200),
        ("GET", "/api/v3/work_packages/999999", 404),
    ]
    assert log[0].query == {"pageSize": "2"}
    api.session.get(f"{server.url}/")
    assert (log[-1].path, log[-1].status) == ("/", 200)
    server.clear_log()
    assert server.request_log == []
