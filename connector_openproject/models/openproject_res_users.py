# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class OpenProjectResUsers(models.Model):
    """An OpenProject user (or group, or placeholder) known to Odoo.

    Users are matched to existing Odoo users by login, then by e-mail, before
    the connector creates any. A binding of a group or placeholder user keeps
    no Odoo user: OpenProject lets work be assigned to them, Odoo does not.
    A manager may re-map a binding to another Odoo user by hand; later syncs
    keep that choice.
    """

    _name = "openproject.res.users"
    _inherit = "openproject.binding"
    _description = "OpenProject User"
    _rec_name = "name"

    odoo_id = fields.Many2one(
        "res.users", string="Odoo User", ondelete="set null", index=True
    )
    name = fields.Char(required=True)
    login = fields.Char(string="OpenProject login")
    email = fields.Char()
    principal_type = fields.Selection(
        [
            ("user", "User"),
            ("group", "Group"),
            ("placeholder", "Placeholder user"),
            ("deleted", "Deleted user"),
        ],
        default="user",
        required=True,
    )
    openproject_status = fields.Char(string="Status in OpenProject")
    created_by_connector = fields.Boolean(
        readonly=True,
        help="The Odoo user was created by the sync (rather than matched).",
    )

    @api.model
    def _openproject_path(self, external_id):
        return f"/users/{external_id}"

    def write(self, vals):
        # A user mapped by hand is the manager's choice: the sync no longer
        # archives or restores it when the OpenProject user is (un)locked.
        mapped_by_hand = "odoo_id" in vals and not self.env.context.get(
            "openproject_importing"
        )
        if mapped_by_hand:
            vals = dict(vals, created_by_connector=False)
        result = super().write(vals)
        if mapped_by_hand and vals.get("odoo_id"):
            # Time entries of this user were skipped while it had no Odoo
            # user, and the checkpoints went past them: the next sync lists
            # every time entry again (those already imported are left out
            # at listing time, see changed_records).
            checkpoints = (
                self.env["openproject.sync.checkpoint"]
                .sudo()
                .search(
                    [
                        ("backend_id", "in", self.backend_id.ids),
                        ("kind", "=", "time_entries"),
                    ]
                )
            )
            checkpoints.write({"updated_since": False})
        return result


class ResUsers(models.Model):
    _inherit = "res.users"

    openproject_bind_ids = fields.One2many(
        "openproject.res.users", "odoo_id", string="OpenProject Bindings"
    )
