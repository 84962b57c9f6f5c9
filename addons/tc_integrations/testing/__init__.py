"""Real local peers for tests (the data-plane API). No Odoo import."""
