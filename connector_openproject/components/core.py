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

    def _caches(self):
        caches = getattr(self.work, "openproject_caches", None)
        if caches is None:
            caches = self.work.__dict__.setdefault("openproject_caches", {})
        return caches

    def _cache(self, name):
        """A dict kept for the life of the work context (one job), shared by
        the components of every model working in it.

        Used for lookups repeated across the records of a page (bindings by
        OpenProject id, tags by name, employees, stage-project links), so they
        cost one query per job, not one per record.
        """
        return self._caches().setdefault(name, {})

    def _forget_caches(self):
        """After a savepoint was rolled back: what the caches hold may be gone."""
        self._caches().clear()
