"""Protocol tests for tc_network (no Odoo)."""
