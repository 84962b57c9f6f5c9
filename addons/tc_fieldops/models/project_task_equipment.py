# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The equipment a dispatch job installs or removes: the moves recorded on the job,
applied to the equipment registry (tc.equipment) when the job is completed."""

from odoo import fields, models


class ProjectTask(models.Model):
    _inherit = "project.task"

    tc_equipment_move_ids = fields.One2many(
        "tc.fieldops.equipment.move", "task_id", "Equipment installed / removed"
    )

    def _tc_apply_equipment_moves(self):
        """The registry follows the finished job: each device recorded as installed
        is installed at the job's service location for its customer, each removed
        one is returned (tc.equipment tracks the move on its chatter and adds it to
        the timeline of its open cases). Serials the registry does not know are listed on
        the job for the dispatcher, with an activity."""
        self.ensure_one()
        # technicians record moves but cannot write the registry: the job does it
        moves = self.tc_equipment_move_ids.sudo()
        today = fields.Date.context_today(self)
        location = self.tc_location_id
        directions = dict(moves._fields["direction"]._description_selection(self.env))
        customer = (
            self.partner_id.commercial_partner_id or location.commercial_partner_id
        ).sudo()
        # a device installed for another customer is not this job's to move (a
        # mistyped or malicious serial): the dispatcher decides
        elsewhere = moves.filtered(
            lambda move: (
                move.equipment_id.state == "installed"
                and (
                    move.equipment_id.partner_id.commercial_partner_id
                    or move.equipment_id.location_id.commercial_partner_id
                )
                not in (customer, self.env["res.partner"])
            )
        )
        for move in moves.filtered("equipment_id") - elsewhere:
            if move.direction == "installed":
                vals = {
                    "state": "installed",
                    "location_id": location.id,
                    "partner_id": location.commercial_partner_id.id,
                    "install_date": today,
                }
            else:
                vals = {"state": "returned", "location_id": False}
            move.equipment_id.write(vals)
            move.equipment_id.message_post(
                body=self.env._(
                    "%(direction)s on job %(job)s by %(who)s.",
                    direction=directions[move.direction],
                    job=self.display_name,
                    who=self.env.user.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        unknown = moves.filtered(lambda move: not move.equipment_id)
        texts = []
        if unknown:
            texts.append(
                self.env._(
                    "Not in the equipment registry: %(devices)s. Add them to the "
                    "registry and link them on the job.",
                    devices=", ".join(
                        move.serial or move.mac or move.equipment_ref or "?"
                        for move in unknown
                    ),
                )
            )
        if elsewhere:
            texts.append(
                self.env._(
                    "Not moved, installed for another customer: %(devices)s. Check "
                    "the serial numbers and move them in the registry if right.",
                    devices=", ".join(elsewhere.equipment_id.mapped("name")),
                )
            )
        if texts:
            text = "\n".join(texts)
            job = self.sudo()
            job.message_post(body=text, subtype_xmlid="mail.mt_note")
            job.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Equipment not in the registry"),
                note=text,
                user_id=job._tc_dispatch_user().id,
            )
