# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL


class TcLegacyMixin(models.AbstractModel):
    """The legacy id of an imported record (see docs/import.md).

    An indexed column on the record itself rather than ``ir.model.data`` external
    ids: the importer resolves a batch of references with one indexed query on
    the target table (no join, no second table of a million rows to write and
    vacuum), the id is shown and searchable on the form, and deleting a record
    deletes its legacy id with it (a re-import then recreates it). Unique per
    model (per kind for partners) through a partial unique index, so a second run
    or a resumed one can never create a duplicate.
    """

    _name = "tc.legacy.mixin"
    _description = "Imported from a legacy system"
    _tc_legacy_unique_columns = ("tc_legacy_id",)

    tc_legacy_id = fields.Char(
        "Legacy id",
        readonly=True,
        copy=False,
        help="Id of this record in the system it was imported from.",
        groups="base.group_user",
    )

    # Override: readonly=True protects nothing over RPC; a person who re-points a
    # legacy id makes the next import run update the wrong record. Only the
    # importer (superuser) sets it.
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            set(self._tc_legacy_fields()) & set(vals) for vals in vals_list
        ):
            raise AccessError(self.env._("Legacy ids are set by the import only."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and set(self._tc_legacy_fields()) & set(vals):
            raise AccessError(self.env._("Legacy ids are set by the import only."))
        return super().write(vals)

    def _tc_legacy_fields(self):
        return ("tc_legacy_id", *self._tc_legacy_unique_columns)

    def init(self):
        res = super().init()
        if not self._abstract:
            self._tc_legacy_index()
        return res

    def _tc_legacy_index(self):
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (%s) "
                "WHERE tc_legacy_id IS NOT NULL",
                SQL.identifier(f"{self._table}_tc_legacy_id_uniq"),
                SQL.identifier(self._table),
                SQL(", ").join(
                    SQL.identifier(c) for c in self._tc_legacy_unique_columns
                ),
            )
        )
