# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Source of the shipped demo instance (``data/demo.json``).

The demo is written here as curated tables and expanded deterministically, so
its history stays consistent: every journal chain ends in the work package's
current status, ``updated_at`` is the time of the last journal, ``lock_version``
follows the journal count. Regenerate the JSON after editing this file with
``python -m openproject_emulator build-demo`` (a test checks both agree).

People and companies are invented; e-mail addresses use example.com.
"""

import datetime as dt
import random
from pathlib import Path

from . import reference
from .store import format_hours, format_timestamp

DEMO_PATH = Path(__file__).parent / "data" / "demo.json"

S = {s["name"]: s["id"] for s in reference.statuses()}
T = {t["name"]: t["id"] for t in reference.types()}
P = {p["name"]: p["id"] for p in reference.priorities()}
A = {a["name"]: a["id"] for a in reference.time_entry_activities()}

ADMIN, DELETED, ERIKA, TOMAS, PRIYA, LUKAS, AMARA, DANIEL, SOFIA = (
    1,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
)
BACKEND_TEAM, UX_PLACEHOLDER = 11, 12
WORKERS = (ERIKA, TOMAS, PRIYA, AMARA, DANIEL)

# The usual way through the workflow; other statuses branch off it.
FLOW = [
    "New",
    "In specification",
    "Specified",
    "Confirmed",
    "To be scheduled",
    "Scheduled",
    "In progress",
    "Developed",
    "In testing",
    "Tested",
    "Closed",
]


def _users():
    users = [
        reference.user(
            ADMIN,
            "OpenProject",
            "Admin",
            "admin",
            "admin@example.com",
            "2026-01-02T08:00:00.000Z",
            admin=True,
        )
    ]
    users += reference.builtin_users()
    users += [
        reference.user(
            ERIKA,
            "Erika",
            "Sample",
            "esample",
            "erika.sample@example.com",
            "2026-01-02T09:12:44.310Z",
            hide_email=True,
        ),
        reference.user(
            TOMAS,
            "Tomás",
            "Example",
            "texample",
            "tomas.example@example.com",
            "2026-01-02T09:15:02.954Z",
        ),
        reference.user(
            PRIYA,
            "Priya",
            "Raman",
            "praman",
            "Priya.Raman@Example.com",
            "2026-01-05T10:01:37.120Z",
        ),
        reference.user(
            LUKAS,
            "Lukas",
            "Brenner",
            "lbrenner",
            "lukas.brenner@example.com",
            "2026-01-05T10:03:11.006Z",
            status="locked",
            language="de",
            updated_at="2026-03-31T17:45:10.228Z",
        ),
        reference.user(
            AMARA,
            "Amara",
            "Okafor",
            "aokafor",
            "amara.okafor@example.com",
            "2026-01-07T14:22:50.781Z",
        ),
        reference.user(
            DANIEL,
            "Daniel",
            "Moreau",
            "dmoreau",
            "daniel.moreau@example.com",
            "2026-01-12T08:40:19.532Z",
            language="fr",
        ),
        reference.user(
            SOFIA,
            "Sofia",
            "Lindqvist",
            "slindqvist",
            "sofia.lindqvist@example.com",
            "2026-03-02T11:05:00.000Z",
            status="invited",
        ),
        reference.principal(
            BACKEND_TEAM, "Group", "Backend team", "2026-01-03T10:00:00.000Z"
        ),
        reference.principal(
            UX_PLACEHOLDER, "PlaceholderUser", "UX Designer", "2026-01-03T10:05:00.000Z"
        ),
    ]
    return users


def _projects():
    def project(pid, identifier, name, created, updated, **extra):
        record = {
            "id": pid,
            "identifier": identifier,
            "name": name,
            "description": "",
            "public": False,
            "active": True,
            "parent_id": None,
            "workspace_type": "project",
            "status_code": None,
            "status_explanation": "",
            "created_at": created,
            "updated_at": updated,
        }
        record.update(extra)
        return record

    return [
        project(
            1,
            "website-relaunch",
            "Website relaunch",
            "2026-01-05T09:12:31.204Z",
            "2026-03-02T14:03:11.870Z",
            description="Relaunch of the **corporate website**: new design, new CMS "
            "and a faster checkout.",
            public=True,
            status_code="on_track",
            status_explanation="Design is signed off, the build phase runs to plan.",
        ),
        project(
            2,
            "website-relaunch-content",
            "Website relaunch: content",
            "2026-01-10T10:30:00.000Z",
            "2026-02-28T07:59:41.005Z",
            description="Copy writing and translations for the new website.",
            parent_id=1,
            public=True,
        ),
        project(
            3,
            "internal-it",
            "Internal IT",
            "2026-01-06T08:00:00.000Z",
            "2026-01-06T08:00:00.000Z",
            description="Laptops, accounts, backups and everything else that keeps "
            "the office running.",
            status_code="at_risk",
            status_explanation="The laptop refresh waits for a *late delivery*.",
        ),
        project(
            4,
            "legacy-erp",
            "Legacy ERP migration",
            "2026-01-02T08:30:00.000Z",
            "2026-02-20T16:45:02.113Z",
            description="Move master data out of the old ERP. Finished and archived.",
            active=False,
        ),
        project(
            5,
            "digital-programme",
            "Digital programme",
            "2026-01-08T12:00:00.000Z",
            "2026-01-08T12:00:00.000Z",
            description="Programme steering the digital projects of 2026.",
            workspace_type="program",
            status_code="on_track",
        ),
    ]


# key, project, type, subject, final status, assignee, parent key, estimated
# hours, priority, description
WORK_PACKAGES = [
    ("disc", 1, "Phase", "Discovery", "Closed", ERIKA, None, None, "Normal", ""),
    (
        "interviews",
        1,
        "Feature",
        "Stakeholder interviews",
        "Closed",
        ERIKA,
        "disc",
        24,
        "Normal",
        "Talk to **sales**, **support** and two key customers.\n\n"
        "- prepare questions\n- write a summary",
    ),
    (
        "competitors",
        1,
        "Feature",
        "Competitor analysis",
        "Closed",
        TOMAS,
        "disc",
        16,
        "Low",
        "Compare five competitor websites: navigation, tone and checkout.",
    ),
    ("design", 1, "Phase", "Design", "In progress", ERIKA, None, None, "High", ""),
    (
        "mockups",
        1,
        "Feature",
        "Homepage mockups",
        "In progress",
        BACKEND_TEAM,
        "design",
        40,
        "High",
        "Three variants of the homepage, desktop and mobile.",
    ),
    (
        "hero",
        1,
        "Task",
        "Hero banner variants",
        "Developed",
        UX_PLACEHOLDER,
        "mockups",
        6,
        "Normal",
        "",
    ),
    (
        "nav",
        1,
        "Task",
        "Navigation menu layout",
        "In testing",
        PRIYA,
        "mockups",
        4.5,
        "Normal",
        "Mega menu with at most *two* levels.",
    ),
    (
        "tokens",
        1,
        "Feature",
        "Design system tokens",
        "Specified",
        AMARA,
        "design",
        12,
        "Normal",
        "Colours, spacing and type scale as `tokens.json`.",
    ),
    ("build", 1, "Phase", "Build", "Scheduled", TOMAS, None, None, "Normal", ""),
    (
        "cms",
        1,
        "Feature",
        "CMS integration",
        "In progress",
        TOMAS,
        "build",
        40,
        "High",
        "Connect the new CMS.\n\n1. content types\n2. preview\n3. publishing workflow",
    ),
    (
        "ctypes",
        1,
        "Task",
        "Set up content types",
        "Tested",
        DANIEL,
        "cms",
        8,
        "Normal",
        "",
    ),
    (
        "blog",
        1,
        "Task",
        "Migrate blog posts",
        "In progress",
        UX_PLACEHOLDER,
        "cms",
        26,
        "Normal",
        "About 340 posts; keep the old URLs as redirects.",
    ),
    (
        "contact",
        1,
        "Feature",
        "Contact form",
        "Confirmed",
        AMARA,
        "build",
        5,
        "Normal",
        "",
    ),
    (
        "footer",
        1,
        "Bug",
        "Footer links broken on mobile",
        "Test failed",
        PRIYA,
        "build",
        1.5,
        "High",
        "On small screens the footer links overlap and cannot be tapped.",
    ),
    (
        "search",
        1,
        "Bug",
        "Search returns duplicate results",
        "New",
        None,
        "build",
        None,
        "Normal",
        "Searching for `pricing` lists the same page twice.",
    ),
    (
        "golive",
        1,
        "Milestone",
        "Go-live website",
        "Scheduled",
        ERIKA,
        None,
        None,
        "Immediate",
        "All pages migrated, redirects in place, monitoring on.",
    ),
    (
        "staging",
        1,
        "Task",
        "Set up staging server",
        "Closed",
        DANIEL,
        None,
        3,
        "Normal",
        "",
    ),
    (
        "cookies",
        1,
        "Task",
        "Cookie consent banner",
        "Rejected",
        TOMAS,
        None,
        2,
        "Low",
        "Replaced by the consent tool of the new CMS.",
    ),
    (
        "a11y",
        1,
        "Task",
        "Accessibility audit",
        "In testing",
        AMARA,
        None,
        16,
        "High",
        "Check contrast, keyboard navigation and screen reader labels.",
    ),
    (
        "analytics",
        1,
        "Feature",
        "Analytics tracking plan",
        "Confirmed",
        ERIKA,
        None,
        0.75,
        "Low",
        "",
    ),
    (
        "seo",
        1,
        "Task",
        "SEO redirects",
        "Developed",
        DANIEL,
        None,
        80,
        "Normal",
        "Map every old URL to its new page.",
    ),
    # Website relaunch: content
    (
        "legal",
        2,
        "Feature",
        "Translate legal pages",
        "Closed",
        TOMAS,
        None,
        0.75,
        "Normal",
        "Imprint, privacy policy and terms in **German** and **French**.",
    ),
    (
        "about",
        2,
        "Task",
        "Write About us page",
        "In progress",
        SOFIA,
        None,
        4,
        "Normal",
        "",
    ),
    (
        "desc1",
        2,
        "Task",
        "Product descriptions, batch 1",
        "Developed",
        PRIYA,
        None,
        12,
        "Normal",
        "Products A to M.",
    ),
    (
        "desc2",
        2,
        "Task",
        "Product descriptions, batch 2",
        "New",
        PRIYA,
        None,
        12,
        "Normal",
        "Products N to Z.",
    ),
    ("alt", 2, "Task", "Image alt texts", "To be scheduled", None, None, 6, "Low", ""),
    (
        "typos",
        2,
        "Bug",
        "Typos on pricing page",
        "Closed",
        AMARA,
        None,
        0.5,
        "Normal",
        "",
    ),
    (
        "press",
        2,
        "Task",
        "Press kit",
        "On hold",
        ERIKA,
        None,
        8,
        "Low",
        "Waiting for the new logo files.",
    ),
    # Internal IT
    (
        "laptops",
        3,
        "Phase",
        "Laptop refresh 2026",
        "In progress",
        DANIEL,
        None,
        None,
        "High",
        "",
    ),
    (
        "order",
        3,
        "Task",
        "Order 12 laptops",
        "Closed",
        DANIEL,
        "laptops",
        2,
        "High",
        "",
    ),
    (
        "image",
        3,
        "Task",
        "Image laptops",
        "In progress",
        LUKAS,
        "laptops",
        18,
        "Normal",
        "Use the **2026.1** image; disk encryption on.",
    ),
    (
        "handout",
        3,
        "Task",
        "Hand out laptops",
        "New",
        BACKEND_TEAM,
        "laptops",
        6,
        "Normal",
        "",
    ),
    (
        "tls",
        3,
        "Task",
        "Renew TLS certificates",
        "Closed",
        DANIEL,
        None,
        1,
        "Immediate",
        "",
    ),
    (
        "vpn",
        3,
        "Bug",
        "VPN drops every hour",
        "In specification",
        LUKAS,
        None,
        None,
        "High",
        "Clients lose the tunnel after exactly 60 minutes.",
    ),
    (
        "pwmgr",
        3,
        "Task",
        "Password manager rollout",
        "Scheduled",
        DANIEL,
        None,
        10,
        "Normal",
        "",
    ),
    (
        "reset",
        3,
        "Feature",
        "Self-service password reset",
        "Specified",
        TOMAS,
        None,
        20,
        "Normal",
        "",
    ),
    (
        "drill",
        3,
        "Task",
        "Backup restore drill",
        "New",
        DANIEL,
        None,
        4,
        "Immediate",
        "Restore last Friday's backup to the spare server and time it.",
    ),
    (
        "printer",
        3,
        "Task",
        "Printer on 2nd floor",
        "Rejected",
        None,
        None,
        None,
        "Low",
        "",
    ),
    ("move", 3, "Milestone", "Office move", "New", DANIEL, None, None, "Normal", ""),
    (
        "onboarding",
        3,
        "Task",
        "Onboarding checklist for new hires",
        "In progress",
        AMARA,
        None,
        3,
        "Normal",
        "- accounts\n- laptop\n- building badge",
    ),
    (
        "rotate",
        3,
        "Task",
        "Rotate shared credentials",
        "Closed",
        DANIEL,
        None,
        2,
        "High",
        "",
    ),
    (
        "firewall",
        3,
        "Task",
        "Update firewall rules",
        "Tested",
        LUKAS,
        None,
        5,
        "Normal",
        "",
    ),
    # Legacy ERP migration (archived)
    (
        "export",
        4,
        "Task",
        "Export customer master data",
        "Closed",
        TOMAS,
        None,
        16,
        "Normal",
        "",
    ),
    (
        "accounts",
        4,
        "Task",
        "Map chart of accounts",
        "Closed",
        ERIKA,
        None,
        24,
        "Normal",
        "",
    ),
    (
        "vendors",
        4,
        "Bug",
        "Duplicate vendors after import",
        "Rejected",
        TOMAS,
        None,
        None,
        "Low",
        "",
    ),
    (
        "decom",
        4,
        "Task",
        "Decommission old server",
        "On hold",
        LUKAS,
        None,
        4,
        "Low",
        "",
    ),
    # Digital programme (a 17.x "program" workspace)
    (
        "kickoff",
        5,
        "Milestone",
        "Programme kickoff",
        "Closed",
        ERIKA,
        None,
        None,
        "Normal",
        "",
    ),
    (
        "golive5",
        5,
        "Milestone",
        "Go-live",
        "New",
        UX_PLACEHOLDER,
        None,
        None,
        "High",
        "",
    ),
    (
        "roadmap",
        5,
        "Feature",
        "Roadmap 2026",
        "In progress",
        ERIKA,
        None,
        33.6,
        "High",
        "Quarterly goals of the **digital programme**.",
    ),
    ("budget", 5, "Task", "Budget review Q2", "New", None, None, 2.5, "Normal", ""),
]

COMMENTS = [
    "I can take this one **next week**.",
    "First draft is in the shared folder, feedback welcome.",
    "Blocked until the *design review* is done.",
    "Reproduced on staging:\n\n- iPhone 13, Safari\n- Pixel 7, Chrome",
    "Done, please review.",
    "See `docs/setup.md` for the steps I followed.",
    "Moved the deadline after talking to the customer.",
    "Looks good to me. Closing after the next deployment.",
    "Could we split this into two smaller tasks?",
    "Old footer text is still in the *draft* folder.",
]
TIME_COMMENTS = [
    "Workshop preparation",
    "Review",
    "Implementation",
    "Pairing session with Tomás",
    "Bug analysis",
    "Workshop incl. travel",
    "Status meeting",
    "Testing on staging",
    "",
]


def _path_to(final):
    """Statuses a work package passes through before reaching ``final``."""
    if final in FLOW:
        index = FLOW.index(final)
        path = FLOW[1 : index + 1]
    elif final == "Test failed":
        path = ["In progress", "In testing", "Test failed"]
    elif final == "On hold":
        path = ["Confirmed", "On hold"]
    else:  # Rejected
        path = ["Rejected"]
    # Keep the history short: at most the last two steps.
    return path[-2:]


def build():
    """Return the demo instance as JSON-ready data."""
    rng = random.Random(2026)
    data = {
        "meta": reference.meta("Example Corp OpenProject"),
        "statuses": reference.statuses(),
        "types": reference.types(),
        "priorities": reference.priorities(),
        "time_entry_activities": reference.time_entry_activities(),
        "users": _users(),
        "projects": _projects(),
        "meetings": [
            {
                "id": 1,
                "project_id": 1,
                "title": "Weekly sync",
                "created_at": "2026-01-12T08:00:00.000Z",
                "updated_at": "2026-01-12T08:00:00.000Z",
            }
        ],
    }
    status_names = {s["id"]: s["name"] for s in data["statuses"]}
    project_created = {p["id"]: p["created_at"] for p in data["projects"]}
    ids = {key: index for index, (key, *_rest) in enumerate(WORK_PACKAGES, start=1)}
    wps, activities, clock = [], [], {}
    comment_pool = list(COMMENTS)
    for wp_id, row in enumerate(WORK_PACKAGES, start=1):
        key, project_id, type_name, subject, final, assignee, parent = row[:7]
        estimate, priority, description = row[7:]
        base = dt.datetime.fromisoformat(project_created[project_id][:19])
        created = base + dt.timedelta(
            days=1 + (wp_id % 9) * 2 + rng.randrange(3),
            hours=rng.randrange(1, 8),
            minutes=rng.randrange(60),
            milliseconds=rng.randrange(1000),
        )
        author = ADMIN if wp_id % 3 == 0 else rng.choice(WORKERS)
        start = created.date() + dt.timedelta(days=rng.randrange(1, 6))
        due = start + dt.timedelta(days=rng.randrange(2, 25))
        milestone = type_name == "Milestone"
        closed = final in ("Closed", "Rejected")
        ratio = next(s for s in data["statuses"] if s["name"] == final)[
            "default_done_ratio"
        ]
        wp = {
            "id": wp_id,
            "project_id": project_id,
            "type_id": T[type_name],
            "status_id": S[final],
            "priority_id": P[priority],
            "subject": subject,
            "description": description,
            "author_id": author,
            "assignee_id": assignee,
            "responsible_id": BACKEND_TEAM if key in ("cms", "a11y") else None,
            "parent_id": ids[parent] if parent else None,
            "start_date": (due if milestone else start).isoformat(),
            "due_date": due.isoformat(),
            "estimated_hours": None if milestone else estimate,
            "remaining_hours": None,
            "percentage_done": None if milestone else ratio,
            "lock_version": 0,
            "created_at": format_timestamp(created),
            "updated_at": format_timestamp(created),
        }
        if estimate and not milestone:
            wp["remaining_hours"] = round(estimate * (100 - ratio) / 100, 2)
        if key == "search":
            wp["start_date"] = wp["due_date"] = None
        wps.append(wp)
        # Journals: creation, then the status steps, with comments in between.
        when = created
        version = 1
        journal_user = author
        journal = [(when, journal_user, "", [], False)]
        previous = "New"
        steps = _path_to(final) if final != "New" else []
        for position, step in enumerate(steps):
            when += dt.timedelta(
                hours=rng.randrange(3, 60), minutes=rng.randrange(60), seconds=7
            )
            details = [{"property": "Status", "old": previous, "new": step}]
            if position == 0 and estimate and not milestone and rng.random() < 0.5:
                details.append(
                    {
                        "property": "Work",
                        "old": format_hours(estimate / 2),
                        "new": format_hours(estimate),
                    }
                )
            if step == final and closed and not milestone and ratio == 100:
                details.append({"property": "% Complete", "old": "50%", "new": "100%"})
            editor = assignee if assignee in WORKERS else rng.choice(WORKERS)
            journal.append((when, editor, "", details, False))
            previous = step
            if rng.random() < 0.45:
                when += dt.timedelta(hours=rng.randrange(1, 30), minutes=7)
                text = comment_pool[(wp_id + position) % len(comment_pool)]
                journal.append((when, rng.choice(WORKERS), text, [], False))
        if key == "cms":
            # A comment by a user who was deleted since: OpenProject points it
            # at the built-in "Deleted user".
            when += dt.timedelta(hours=5)
            journal.append(
                (
                    when,
                    DELETED,
                    "Old footer text is still in the *draft* folder.",
                    [],
                    False,
                )
            )
            when += dt.timedelta(hours=2)
            journal.append(
                (
                    when,
                    TOMAS,
                    "Internal note: the CMS licence renews in *May*.",
                    [],
                    True,
                )
            )
        if key == "image":
            when += dt.timedelta(hours=3)
            journal.append(
                (
                    when,
                    DANIEL,
                    "",
                    [
                        {
                            "property": "Assignee",
                            "old": "Daniel Moreau",
                            "new": "Lukas Brenner",
                        },
                        {"property": "Finish date", "old": None, "new": wp["due_date"]},
                    ],
                    False,
                )
            )
        for when_j, user_j, text, details, internal in journal:
            stamp = format_timestamp(when_j)
            activities.append(
                {
                    "id": 0,
                    "work_package_id": wp_id,
                    "user_id": user_j,
                    "version": version,
                    "comment": text,
                    "details": details,
                    "internal": internal,
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
            version += 1
        wp["updated_at"] = format_timestamp(when)
        wp["lock_version"] = version - 2
        clock[wp_id] = when
    # Journal ids in creation order, as OpenProject's sequence hands them out.
    activities.sort(key=lambda a: (a["created_at"], a["work_package_id"]))
    for activity_id, activity in enumerate(activities, start=1):
        activity["id"] = activity_id
    # One edited comment: updated later than created.
    edited = next(a for a in activities if a["comment"] and not a["internal"])
    edited["updated_at"] = format_timestamp(
        dt.datetime.fromisoformat(edited["created_at"][:23]) + dt.timedelta(minutes=76)
    )
    data["work_packages"] = wps
    data["activities"] = activities
    data["time_entries"] = _time_entries(rng, wps, status_names)
    return data


def _time_entries(rng, wps, status_names):
    hours_pool = [0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 4.5, 6, 7.5, 8]
    bookable = [
        wp
        for wp in wps
        if wp["estimated_hours"]
        and status_names[wp["status_id"]] not in ("New", "Rejected")
    ]
    entries = []

    def add(project_id, wp_id, user_id, hours, spent, comment, activity, **extra):
        created = dt.datetime.combine(spent, dt.time(16, 30)) + dt.timedelta(
            minutes=rng.randrange(0, 240), milliseconds=rng.randrange(1000)
        )
        entry = {
            "id": len(entries) + 1,
            "project_id": project_id,
            "work_package_id": wp_id,
            "meeting_id": None,
            "user_id": user_id,
            "activity_id": A[activity],
            "hours": hours,
            "spent_on": spent.isoformat(),
            "comment": comment,
            "ongoing": False,
            "lock_version": 0,
            "created_at": format_timestamp(created),
            "updated_at": format_timestamp(created),
        }
        entry.update(extra)
        entries.append(entry)
        return entry

    for index in range(52):
        wp = bookable[index % len(bookable)]
        created = dt.date.fromisoformat(wp["created_at"][:10])
        spent = created + dt.timedelta(days=rng.randrange(1, 20))
        bug = wp["type_id"] == T["Bug"]
        activity = rng.choice(
            ["Testing", "Development"] if bug else ["Development", "Specification"]
        )
        user = wp["assignee_id"] if wp["assignee_id"] in (*WORKERS, LUKAS) else None
        entry = add(
            wp["project_id"],
            wp["id"],
            user or rng.choice(WORKERS),
            rng.choice(hours_pool),
            spent,
            rng.choice(TIME_COMMENTS),
            activity,
        )
        if index % 7 == 3:
            # Edited later (lock_version moves with each save).
            later = dt.datetime.fromisoformat(entry["created_at"][:23])
            entry["updated_at"] = format_timestamp(later + dt.timedelta(hours=15))
            entry["lock_version"] = 1
    by_key = {row[0]: index for index, row in enumerate(WORK_PACKAGES, start=1)}
    # Multi-day bookings: 26 h (P1DT2H) and 40 h (P1DT16H).
    add(
        1,
        by_key["interviews"],
        ERIKA,
        26.0,
        dt.date(2026, 1, 20),
        "Workshop incl. travel",
        "Specification",
    )
    add(
        1,
        by_key["cms"],
        TOMAS,
        40.0,
        dt.date(2026, 2, 9),
        "CMS spike week",
        "Development",
    )
    # Booked on projects without a work package.
    add(1, None, ERIKA, 1.5, dt.date(2026, 2, 2), "Steering committee", "Management")
    add(3, None, DANIEL, 0.5, dt.date(2026, 2, 4), "Helpdesk", "Support")
    add(3, None, LUKAS, 2.0, dt.date(2026, 1, 29), "License audit", "Other")
    add(5, None, ERIKA, 3.0, dt.date(2026, 2, 16), "Programme board", "Management")
    # On a meeting (17.x "entity"); no work package.
    add(
        1,
        None,
        AMARA,
        1.0,
        dt.date(2026, 2, 23),
        "Weekly sync",
        "Management",
        meeting_id=1,
    )
    # By the deleted user.
    add(
        1,
        by_key["staging"],
        DELETED,
        2.5,
        dt.date(2026, 1, 16),
        "Server setup",
        "Development",
    )
    # Booked on the parent project although the work package lives in the
    # subproject (an entry's project may differ from its work package's).
    add(
        1,
        by_key["about"],
        SOFIA,
        1.25,
        dt.date(2026, 3, 4),
        "Interview notes",
        "Specification",
    )
    # Hidden in the archived project.
    add(
        4,
        by_key["export"],
        TOMAS,
        6.0,
        dt.date(2026, 1, 14),
        "Export scripts",
        "Development",
    )
    # A running timer: no hours yet.
    add(
        1,
        by_key["blog"],
        PRIYA,
        None,
        dt.date(2026, 3, 12),
        "",
        "Development",
        ongoing=True,
    )
    return entries


def write(path=DEMO_PATH):
    from .store import Instance

    Instance(build()).dump(path)
    return path
