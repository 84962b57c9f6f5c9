# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A dispatch job on the map (web_view_leaflet_map): a marker coloured by status,
its title, and the marker version the map view reads."""

import base64

from odoo import api, fields, models

MARKER_COLORS = {
    "to_schedule": "#9e9e9e",
    "scheduled": "#1f6fb5",
    "en_route": "#f39c12",
    "on_site": "#8e44ad",
    "done": "#27ae60",
    "cancelled": "#c0392b",
}
MARKER_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="42" '
    'viewBox="0 0 32 42"><path d="M16 1C7.7 1 1 7.7 1 16c0 10.5 15 25 15 25s15-14.5 '
    '15-25C31 7.7 24.3 1 16 1z" fill="{color}" stroke="#ffffff" stroke-width="2"/>'
    '<circle cx="16" cy="16" r="6" fill="#ffffff"/></svg>'
)


class ProjectTask(models.Model):
    _inherit = "project.task"

    # -- map (web_view_leaflet_map) ---------------------------------------------------
    tc_map_marker = fields.Binary(
        "Map marker", compute="_compute_tc_map_marker", attachment=False
    )
    tc_map_title = fields.Char("Map title", compute="_compute_tc_map_title")
    # web_view_leaflet_map always reads a field of this name (base_geolocalize's on
    # partners) and uses it to refresh marker images: the last change of the job.
    date_localization = fields.Datetime(
        "Marker version", compute="_compute_date_localization"
    )

    @api.depends("tc_job_state")
    def _compute_tc_map_marker(self):
        for task in self:
            color = MARKER_COLORS.get(task.tc_job_state, MARKER_COLORS["to_schedule"])
            task.tc_map_marker = base64.b64encode(
                MARKER_SVG.format(color=color).encode()
            )

    @api.depends("tc_window_label", "tc_job_type", "tc_customer_name")
    def _compute_tc_map_title(self):
        types = dict(self._fields["tc_job_type"]._description_selection(self.env))
        for task in self:
            parts = [
                task.tc_window_label,
                types.get(task.tc_job_type),
                task.tc_customer_name or task.name,
            ]
            task.tc_map_title = " · ".join(p for p in parts if p)

    @api.depends("write_date")
    def _compute_date_localization(self):
        for task in self:
            task.date_localization = task.write_date
