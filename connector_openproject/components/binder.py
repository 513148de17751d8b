# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.addons.component.core import Component


class OpenProjectBinder(Component):
    """Links OpenProject ids to bindings, for every binding model.

    ``to_internal_many`` reads the bindings of a whole page in one query, so
    a page job does not search once per record.
    """

    _name = "openproject.binder"
    _inherit = ["base.binder", "base.openproject.connector"]
    _apply_on = [
        "openproject.res.users",
        "openproject.project.project",
        "openproject.project.task",
        "openproject.account.analytic.line",
        "openproject.mail.message",
        "openproject.project.task.type",
    ]

    def to_internal(self, external_id, unwrap=False):
        """The binding of an OpenProject id, remembered for the job once found.

        Records refer to the same users, projects, statuses and parents over
        and over: each is searched once per job, not once per reference.
        """
        if self._is_empty_id(external_id):
            return super().to_internal(external_id, unwrap=unwrap)
        known = self._cache(f"bindings:{self.model._name}")
        binding = known.get(int(external_id))
        if binding is None:
            if int(external_id) in self._cache(f"unbound:{self.model._name}"):
                binding = self.model.browse()
            else:
                binding = super().to_internal(external_id)
                if binding:
                    known[int(external_id)] = binding
        if unwrap and binding:
            return binding[self._odoo_field]
        return binding

    def to_internal_many(self, external_ids):
        """Bindings of these OpenProject ids, as a dict id -> binding."""
        ids = [int(i) for i in external_ids if not self._is_empty_id(i)]
        if not ids:
            return {}
        bindings = self.model.with_context(active_test=False).search(
            [
                (self._external_field, "in", ids),
                (self._backend_field, "=", self.backend_record.id),
            ]
        )
        found = {binding[self._external_field]: binding for binding in bindings}
        self._cache(f"bindings:{self.model._name}").update(found)
        # Known to have no binding until this job creates one (``remember``);
        # a savepoint rolled back forgets all this (``_forget_caches``).
        self._cache(f"unbound:{self.model._name}").update(
            dict.fromkeys(set(ids) - set(found))
        )
        return found

    def known_unbound(self, external_ids):
        """Ids the caller knows to have no binding (it read them all in one
        query): ``to_internal`` answers for them without searching."""
        self._cache(f"unbound:{self.model._name}").update(
            dict.fromkeys(int(i) for i in external_ids)
        )

    def remember(self, bindings):
        """Bindings this job just created."""
        known = self._cache(f"bindings:{self.model._name}")
        unbound = self._cache(f"unbound:{self.model._name}")
        for binding in bindings:
            known[binding[self._external_field]] = binding
            unbound.pop(binding[self._external_field], None)
