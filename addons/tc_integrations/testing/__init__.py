"""Real local peers and generated data for tests and benchmarks (no Odoo import)."""
