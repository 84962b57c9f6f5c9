# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The bulk writer's extensions (services/bulk.py): each writes what the ORM's
``create`` writes for the same values (the escalation's rows are proven in
test_escalation.py)."""

from odoo.tests import TransactionCase, tagged

from ..services.bulk import insert_rows
from .common import stored_row


@tagged("post_install", "-at_install")
class TestBulk(TransactionCase):
    def test_skip_conflicts_inserts_the_new_rows_as_create_would(self):
        """``skip_conflicts``: rows whose key a unique index already holds are left
        out and not returned; the others are column for column what ``create``
        writes (here a translated name: a jsonb column)."""
        Kind = self.env["helpdesk.ticket.type"]
        taken = Kind.create({"name": "Taken (bulk test)", "tc_code": "bulk_taken"})
        kinds = insert_rows(
            Kind,
            [
                {"name": "Again (bulk test)", "tc_code": "bulk_taken"},
                {"name": "New (bulk test)", "tc_code": "bulk_new"},
                {"name": "Also new (bulk test)", "tc_code": "bulk_new2"},
            ],
            skip_conflicts=("tc_code",),
        )
        self.assertEqual(kinds.mapped("tc_code"), ["bulk_new", "bulk_new2"])
        self.assertEqual(taken.name, "Taken (bulk test)")
        self.assertEqual(Kind._tc_get("bulk_new"), kinds[0])
        orm = Kind.create({"name": "New (bulk test)", "tc_code": "bulk_orm"})
        self.assertEqual(
            stored_row(kinds[0], "tc_code"), stored_row(orm, "tc_code"), "bulk != ORM"
        )
        # nothing new: nothing inserted, nothing returned
        self.assertFalse(
            insert_rows(
                Kind,
                [{"name": "Again", "tc_code": "bulk_new"}],
                skip_conflicts=("tc_code",),
            )
        )
