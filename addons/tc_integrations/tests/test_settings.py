# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import os
from unittest.mock import patch

from odoo.tests import TransactionCase, tagged
from odoo.tools import config


@tagged("post_install", "-at_install")
class TestSettings(TransactionCase):
    def test_settings_from_server_config_and_environment(self):
        keys = {
            "tc_api_base_url": "http://127.0.0.1:8099/",
            "tc_api_token": "tok-123",
            "tc_webhook_secret": "whsec_a, whsec_b",
            "tc_tenant_id": "isp-1",
        }
        with patch.dict(config.options, keys), patch.dict(os.environ, {}, clear=False):
            os.environ.pop("TC_API_TOKEN", None)
            settings = self.env["tc.settings"]._get()
            self.assertEqual(settings.api_base_url, "http://127.0.0.1:8099")
            self.assertEqual(settings.webhook_secrets, ("whsec_a", "whsec_b"))
            self.assertTrue(settings.api_configured)
            self.assertNotIn("tok-123", repr(settings))
            self.assertEqual(settings.describe()["api_token"], "set")
            with patch.dict(os.environ, {"TC_API_TOKEN": "from-env"}):
                self.assertEqual(self.env["tc.settings"]._get().api_token, "from-env")

    def test_safe_empty_defaults(self):
        with patch.dict(config.options, {}, clear=False):
            for key in ("tc_api_base_url", "tc_api_token", "tc_webhook_secret"):
                config.options.pop(key, None)
            with patch.dict(os.environ, {}, clear=False):
                for key in ("TC_API_BASE_URL", "TC_API_TOKEN", "TC_WEBHOOK_SECRET"):
                    os.environ.pop(key, None)
                settings = self.env["tc.settings"]._get()
        self.assertFalse(settings.api_configured)
        self.assertEqual(settings.webhook_secrets, ())
