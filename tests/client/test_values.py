# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import datetime

import pytest
from openproject_api import values


@pytest.mark.parametrize(
    "text, hours",
    [
        ("P1DT16H", 40.0),
        ("P2D", 48.0),
        ("PT0.5H", 0.5),
        ("PT30M", 0.5),
        ("PT1H30M", 1.5),
        ("P41DT16H", 1000.0),
        ("P1DT9H36M", 33.6),
        ("P1DT2H", 26.0),
        ("PT45M", 0.75),
        ("PT0S", 0.0),
        ("PT90S", 0.025),
        ("P1W", 168.0),
        (None, None),
        ("", None),
    ],
)
def test_duration_is_read_as_hours_with_24_hour_days(text, hours):
    assert values.parse_duration_hours(text) == hours


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("P1Y", "years or months"),
        ("P1M", "years or months"),
        ("P1Y2DT3H", "years or months"),
        ("-PT1H", "Negative"),
        ("garbage", "Not an ISO 8601 duration"),
        ("PT", "Not an ISO 8601 duration"),
        ("P", "Not an ISO 8601 duration"),
        ("P1DT", "Not an ISO 8601 duration"),
        ("1.5", "Not an ISO 8601 duration"),
        ("PT1H30", "Not an ISO 8601 duration"),
        (1.5, "Not an ISO 8601 duration"),
    ],
)
def test_duration_that_is_not_hours_of_work_is_refused_naming_the_text(text, complaint):
    with pytest.raises(ValueError, match=complaint) as caught:
        values.parse_duration_hours(text)
    assert repr(text) in str(caught.value)


def test_date_is_parsed_and_null_stays_none():
    assert values.parse_date("2025-06-02") == datetime.date(2025, 6, 2)
    assert values.parse_date(None) is None
    with pytest.raises(ValueError, match="'2025-13-01'"):
        values.parse_date("2025-13-01")


def test_datetime_with_zone_becomes_naive_utc():
    assert values.parse_datetime("2025-06-03T15:20:45.902Z") == datetime.datetime(
        2025, 6, 3, 15, 20, 45, 902000
    )
    assert values.parse_datetime("2025-06-03T17:20:45+02:00") == datetime.datetime(
        2025, 6, 3, 15, 20, 45
    )
    assert values.parse_datetime(None) is None


@pytest.mark.parametrize("text", ["2025-06-03T15:20:45", "2025-06-03", "yesterday"])
def test_datetime_without_zone_or_time_is_refused(text):
    with pytest.raises(ValueError, match=repr(text)):
        values.parse_datetime(text)


def test_format_datetime_gives_full_utc_with_z_and_milliseconds():
    naive = datetime.datetime(2026, 1, 1)
    assert values.format_datetime(naive) == "2026-01-01T00:00:00Z"
    aware = datetime.datetime(
        2026,
        1,
        1,
        2,
        0,
        0,
        123987,
        tzinfo=datetime.timezone(datetime.timedelta(hours=2)),
    )
    assert values.format_datetime(aware) == "2026-01-01T00:00:00.123Z"
    rendered = "2025-06-03T15:20:45.902Z"
    assert values.format_datetime(values.parse_datetime(rendered)) == rendered


def test_formattable_object_and_plain_7x_string_give_text_and_html():
    formattable = {
        "format": "markdown",
        "raw": "**bold**",
        "html": "<p><b>bold</b></p>",
    }
    assert values.formattable_raw(formattable) == "**bold**"
    assert values.formattable_html(formattable) == "<p><b>bold</b></p>"
    assert values.formattable_format(formattable) == "markdown"
    plain = "Line <1>\nLine 2"
    assert values.formattable_raw(plain) == plain
    assert values.formattable_html(plain) == "<p>Line &lt;1&gt;<br/>Line 2</p>"
    assert values.formattable_format(plain) == "plain"
    assert values.formattable_raw(None) is None
    assert values.formattable_html(None) is None
    assert values.formattable_html("") == ""
    assert (
        values.formattable_html({"format": "plain", "raw": "a&b"}) == "<p>a&amp;b</p>"
    )


@pytest.mark.parametrize(
    "href, ref",
    [
        ("/api/v3/work_packages/5", ("work_packages", 5)),
        ("/openproject/api/v3/work_packages/5", ("work_packages", 5)),
        ("https://op.example.com/sub/api/v3/users/41", ("users", 41)),
        ("/api/v3/programs/12", ("projects", 12)),
        ("/api/v3/portfolios/2", ("projects", 2)),
        ("/api/v3/groups/8", ("groups", 8)),
        ("/api/v3/placeholder_users/29", ("placeholder_users", 29)),
        ("/api/v3/time_entries/activities/3", ("time_entries/activities", 3)),
        (None, None),
        ("", None),
        ("urn:openproject-org:api:v3:undisclosed", None),
    ],
)
def test_href_gives_kind_and_id_whatever_the_prefix(href, ref):
    assert values.parse_href(href) == ref


@pytest.mark.parametrize(
    "href",
    ["/users/41", "/api/v3/work_packages", "/api/v3/project_statuses/on_track", "x"],
)
def test_href_naming_no_numbered_resource_is_refused(href):
    with pytest.raises(ValueError, match="(?i)href"):
        values.parse_href(href)


def test_named_resource_href_can_be_read_as_a_key():
    assert values.parse_href("/api/v3/project_statuses/on_track", numeric=False) == (
        "project_statuses",
        "on_track",
    )


def test_link_helpers_read_single_and_multi_valued_links():
    record = {
        "_links": {
            "parent": {"href": None, "title": None},
            "project": {"href": "/api/v3/programs/12", "title": "Digital programme"},
            "hidden": {"href": "urn:openproject-org:api:v3:undisclosed", "title": "?"},
            "ancestors": [
                {"href": "/api/v3/portfolios/2"},
                {"href": "urn:openproject-org:api:v3:undisclosed"},
                {"href": "/api/v3/projects/123"},
            ],
        }
    }
    assert values.link_ref(record, "parent") is None
    assert values.link_ref(record, "missing") is None
    assert values.link_ref(record, "hidden") is None
    assert values.link_ref(record, "project") == ("projects", 12)
    assert values.link_title(record, "project") == "Digital programme"
    assert values.link_title(record, "missing") is None
    assert values.link_refs(record, "ancestors") == [
        ("projects", 2),
        ("projects", 123),
    ]
    assert values.link_refs(record, "project") == [("projects", 12)]
    with pytest.raises(ValueError, match="link_refs"):
        values.link_ref(record, "ancestors")
