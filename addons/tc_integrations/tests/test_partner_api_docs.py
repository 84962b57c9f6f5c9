# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The examples of docs/partner-api.md, run as a doctest against the test server:
what the document shows is what a partner gets."""

import doctest
import re
from pathlib import Path
from unittest.mock import patch

from odoo.tests import HttpCase, tagged

DOC = Path(__file__).resolve().parents[3] / "docs" / "partner-api.md"


@tagged("post_install", "-at_install")
class TestPartnerApiDocs(HttpCase):
    def test_documented_session_runs_as_shown(self):
        if not DOC.exists():  # an image built from the addons alone has no docs/
            self.skipTest(f"{DOC} is not shipped with this installation")
        partner = self.env["res.partner"].create(
            {"name": "Docs Reseller", "is_company": True}
        )
        key = self.env["tc.partner.api.key"].create(
            {"name": "docs", "partner_id": partner.id}
        )
        globs = {"BASE_URL": self.base_url(), "API_KEY": key._tc_generate()}
        blocks = re.findall(
            r"^```pycon\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.M | re.S
        )
        test = doctest.DocTestParser().get_doctest(
            "\n".join(blocks), globs, "partner-api.md", str(DOC), 0
        )
        self.assertGreater(len(test.examples), 10, "the document lost its examples")
        failures = []
        runner = doctest.DocTestRunner(
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        )
        # the document's own ``requests.post``, through the test client session so
        # that the test server serves the request inside this test's transaction
        with patch("requests.post", self.opener.post):
            runner.run(test, out=failures.append)
        self.assertFalse(runner.failures, "".join(failures))
        review = self.env["tc.order.review"].search([("order_ref", "=", "ORD-1")])
        self.assertEqual(review.tc_api_partner_id, partner)
