"""Real local peers for tests (snmpsim, a GenieACS NBI look-alike). No Odoo import."""
