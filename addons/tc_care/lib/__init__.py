"""Pure code of tc_care (no Odoo import)."""
