# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.addons.component.core import AbstractComponent

# Context for every write of an import: no e-mail, no follower, no tracking
# message, no assignment notification, no sign-up invitation. Each of these
# costs queries per record (see ODOO-PERF in the design notes) and none of
# them means anything for data that already happened in OpenProject.
IMPORT_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nosubscribe": True,
    "mail_create_nolog": True,
    "mail_notrack": True,
    "mail_auto_subscribe_no_notify": True,
    "no_reset_password": True,
    "openproject_importing": True,
}


class BaseOpenProjectConnectorComponent(AbstractComponent):
    """Base of all the OpenProject connector's components."""

    _name = "base.openproject.connector"
    _inherit = "base.connector"
    _collection = "openproject.backend"

    def _cache(self, name):
        """A dict kept for the life of the work context (one job).

        Used for small lookups repeated across the records of a page (tags by
        name, stage-project links), so they cost one query per job, not one
        per record.
        """
        caches = self.work.__dict__.setdefault("_openproject_caches", {})
        return caches.setdefault(name, {})
