# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The recorded OpenProject payloads parse into the values the mappers will use."""

import ast
import datetime
import pathlib

import pytest
from openproject_api import OpenProjectClient, __version__, errors, values


def test_work_package_values(load_example):
    wp = load_example("work_package")
    assert values.parse_duration_hours(wp["estimatedTime"]) == 40.0
    assert values.parse_duration_hours(wp["remainingTime"]) == 33.6
    assert values.parse_duration_hours(wp["spentTime"]) == 27.5
    assert values.parse_date(wp["startDate"]) == datetime.date(2025, 6, 2)
    assert values.parse_date(wp["dueDate"]) == datetime.date(2025, 6, 4)
    assert values.parse_datetime(wp["updatedAt"]) == datetime.datetime(
        2025, 6, 3, 15, 20, 45, 902000
    )
    assert values.formattable_raw(wp["description"]).startswith(
        "The footer shows the **old VAT id**."
    )
    assert "<strong>old VAT id</strong>" in values.formattable_html(wp["description"])
    assert values.link_ref(wp, "status") == ("statuses", 2)
    assert values.link_ref(wp, "project") == ("projects", 7)
    assert values.link_ref(wp, "assignee") == ("users", 41)
    # The accountable may be a group: the kind tells the mapper not to look for a user.
    assert values.link_ref(wp, "responsible") == ("groups", 8)
    assert values.link_ref(wp, "parent") == ("work_packages", 1500)
    assert values.link_title(wp, "parent") == "Billing clean-up"
    assert values.link_ref(wp, "version") is None
    assert values.link_refs(wp, "ancestors") == [("work_packages", 1500)]


def test_milestone_has_a_date_a_program_and_a_placeholder_assignee(load_example):
    wp = load_example("work_package_milestone")
    assert "startDate" not in wp and "dueDate" not in wp
    assert values.parse_date(wp["date"]) == datetime.date(2025, 9, 30)
    assert values.parse_duration_hours(wp["estimatedTime"]) is None
    assert values.parse_duration_hours(wp["spentTime"]) == 0.0
    assert values.link_ref(wp, "project") == ("projects", 12)
    assert values.link_ref(wp, "assignee") == ("placeholder_users", 29)
    assert values.link_ref(wp, "parent") is None
    assert values.link_refs(wp, "ancestors") == []


def test_project_ancestors_include_portfolios_and_programs(load_example):
    project = load_example("project")
    assert values.link_refs(project, "ancestors") == [
        ("projects", 2),
        ("projects", 12),
        ("projects", 123),
    ]
    assert values.link_ref(project, "parent") == ("projects", 123)
    assert values.link_ref(project, "status", numeric=False) == (
        "project_statuses",
        "on_track",
    )
    assert values.formattable_raw(project["description"]) == (
        "Lorem **ipsum** dolor sit amet"
    )


def test_collection_pages_report_paging(load_example):
    first = OpenProjectClient._page_from(
        load_example("work_packages_collection_page1"), 1, 1000, "/api/v3/wp"
    )
    assert (first.total, first.count, first.offset, first.page_size) == (3, 2, 1, 2)
    assert [wp["id"] for wp in first.elements] == [1528, 1529]
    last = OpenProjectClient._page_from(
        load_example("projects_collection_page2"), 2, 1000, "/api/v3/projects"
    )
    assert (last.total, last.count, last.offset, last.page_size) == (3, 1, 2, 2)
    archived = [
        p["id"]
        for p in load_example("projects_collection_page1")["_embedded"]["elements"]
        if not p["active"]
    ]
    assert archived


def test_unpaginated_collections_parse_without_page_size(load_example):
    statuses = OpenProjectClient._page_from(
        load_example("status_collection"), 1, 0, "/api/v3/statuses"
    )
    assert statuses.total == len(statuses.elements) == 6
    closed = {s["id"] for s in statuses.elements if s["isClosed"]}
    assert closed == {5, 6}
    activities = load_example("activities_collection")["_embedded"]["elements"]
    kinds = [a["_type"] for a in activities]
    assert kinds == ["Activity", "Activity", "Activity::Comment"]
    assert [values.formattable_raw(d) for d in activities[1]["details"]] == [
        "Status changed from New to In progress",
        "Work changed from 8h to 40h",
    ]
    assert values.link_ref(activities[2], "user") == ("users", 3)


def test_time_entries_hours_comments_and_links(load_example):
    entries = load_example("time_entries_collection")["_embedded"]["elements"]
    assert [values.parse_duration_hours(e["hours"]) for e in entries] == [
        1.5,
        26.0,
        0.75,
    ]
    assert values.formattable_raw(entries[0]["comment"]) == "Template analysis"
    assert values.parse_date(entries[1]["spentOn"]) == datetime.date(2025, 6, 3)
    assert values.link_ref(entries[1], "activity") == ("time_entries/activities", 11)
    assert values.link_ref(entries[2], "workPackage") == ("work_packages", 1529)
    running = load_example("time_entry_ongoing")
    assert running["ongoing"] is True
    assert values.parse_duration_hours(running["hours"]) is None


def test_7x_time_entry_comment_as_plain_string():
    entry = {"comment": "Fixed the\nfooter", "hours": "PT2H"}
    assert values.formattable_raw(entry["comment"]) == "Fixed the\nfooter"
    assert values.formattable_html(entry["comment"]) == "<p>Fixed the<br/>footer</p>"


def test_users_locked_deleted_and_nonadmin_principals(load_example):
    assert load_example("user_locked")["status"] == "locked"
    deleted = load_example("user_deleted_7x")
    assert values.is_deleted_user(deleted)
    assert deleted["status"] == "builtin" and deleted["email"] is None
    assert not values.is_deleted_user(load_example("user"))
    principals = load_example("principals_collection_nonadmin")["_embedded"]["elements"]
    assert [values.parse_href(p["_links"]["self"]["href"]) for p in principals] == [
        ("users", 41),
        ("users", 42),
        ("groups", 8),
    ]
    assert "login" not in principals[0]


def test_membership_principal_and_roles(load_example):
    membership = load_example("memberships_collection")["_embedded"]["elements"][0]
    assert values.link_ref(membership, "principal") == ("users", 5)
    assert values.link_refs(membership, "roles") == [("roles", 4)]


@pytest.mark.parametrize(
    "name, cls, status",
    [
        ("error_unauthenticated", errors.Unauthenticated, 401),
        ("error_forbidden", errors.MissingPermission, 403),
        ("error_not_found", errors.NotFound, 404),
        ("error_invalid_filter", errors.InvalidQuery, 400),
        ("error_property_constraint", errors.PropertyConstraintViolation, 422),
        ("error_throttled", errors.Throttled, 429),
    ],
)
def test_error_payloads_are_typed_by_identifier(load_example, name, cls, status):
    body = load_example(name)
    error = errors.from_hal(body, status, "/api/v3/x")
    assert type(error) is cls
    assert error.status == status
    assert error.message == body["message"]
    assert error.identifier == body["errorIdentifier"].rsplit(":", 1)[-1]
    assert "/api/v3/x" in str(error)


def test_property_constraint_keeps_the_attribute(load_example):
    error = errors.from_hal(load_example("error_property_constraint"), 422)
    assert error.details == {"attribute": "name"}


def test_client_version_matches_the_addon_manifest():
    manifest = (
        pathlib.Path(__file__).resolve().parents[2]
        / "connector_openproject"
        / "__manifest__.py"
    )
    assert ast.literal_eval(manifest.read_text())["version"] == __version__
