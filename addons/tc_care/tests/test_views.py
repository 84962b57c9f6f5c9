# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What an agent's case lists show: each column once, the case kind next to the
subject (helpdesk_type adds the Type column; tc_care moves it, never adds it)."""

from collections import Counter

from lxml import etree

from odoo.tests import tagged

from .common import TcCareCase


@tagged("post_install", "-at_install")
class TestCaseListViews(TcCareCase):
    def _columns(self, xmlid):
        view = self.env.ref(xmlid)
        views = (
            self.env["helpdesk.ticket"]
            .with_user(self.agent)
            .get_views([(view.id, "list")])
        )
        arch = etree.fromstring(views["views"]["list"]["arch"])
        return arch.xpath("/list/field/@name")

    def test_each_column_once_and_the_kind_beside_the_subject(self):
        for xmlid in (
            "helpdesk_mgmt.ticket_view_tree",
            "tc_care.helpdesk_ticket_view_list_queue",
        ):
            columns = self._columns(xmlid)
            twice = sorted(name for name, n in Counter(columns).items() if n > 1)
            self.assertEqual(twice, [], xmlid)
            self.assertEqual(
                columns[columns.index("name") + 1], "type_id", (xmlid, columns)
            )
