# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "OpenProject Connector",
    "summary": "Import OpenProject users, projects, work packages, activities "
    "and time entries into Odoo",
    "version": "18.0.1.0.0",
    "category": "Connector",
    "website": "https://github.com/OCA/connector-openproject",
    "author": "connector_openproject authors, Odoo Community Association (OCA)",
    "license": "AGPL-3",
    "application": False,
    "installable": True,
    "depends": ["connector", "project", "hr_timesheet"],
    "external_dependencies": {"python": ["requests", "python-dateutil", "isodate"]},
    "data": [
        "security/ir.model.access.csv",
        "data/queue_job_channel.xml",
        "data/queue_job_function.xml",
        "data/ir_cron.xml",
        "data/mail_message_subtype.xml",
        "views/openproject_backend_views.xml",
        "views/openproject_project_views.xml",
        "views/openproject_task_views.xml",
        "views/openproject_timesheet_views.xml",
        "views/openproject_user_views.xml",
        "views/openproject_message_views.xml",
        "views/openproject_stage_views.xml",
        "views/openproject_sync_views.xml",
        "views/openproject_menus.xml",
    ],
}
