"""Real local peers for tests (no Odoo import): the OpenID Connect provider."""
