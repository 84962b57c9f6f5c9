# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from freezegun import freeze_time

from odoo.tests import TransactionCase, new_test_user
from odoo.tools import SQL


def stored_row(record, *ignore):
    """The row of ``record`` as PostgreSQL stores it (after a flush), without its id
    and the ``ignore`` columns: the bulk writer's rows are compared with the ORM's."""
    record.env.flush_all()
    record.env.cr.execute(
        SQL("SELECT * FROM %s WHERE id = %s", SQL.identifier(record._table), record.id)
    )
    row = record.env.cr.dictfetchone()
    for name in ("id", *ignore):
        row.pop(name)
    return row


def dt(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


class TcCareCase(TransactionCase):
    """A care team on a UTC business calendar (Mon-Fri 09:00-17:00), SLAs, users,
    a customer with two service locations."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        env = cls.env
        # a company that sends mail, as in production: helpdesk_mgmt's "case closed"
        # mail to the customer is sent from the company's address, which a database
        # without demo data does not have
        if not env.company.email:
            env.company.email = "care@tc-ops.example.com"
        cls.calendar = env["resource.calendar"].create(
            {
                "name": "TC test 9-17 UTC",
                "tz": "UTC",
                "hours_per_day": 8,
                "attendance_ids": [
                    (
                        0,
                        0,
                        {
                            "name": f"Day {d} {p}",
                            "dayofweek": str(d),
                            "hour_from": hf,
                            "hour_to": ht,
                            "day_period": p,
                        },
                    )
                    for d in range(5)
                    for hf, ht, p in ((9, 13, "morning"), (13, 17, "afternoon"))
                ],
            }
        )
        cls.agent = new_test_user(env, "tc_t_agent", groups="tc_care.group_agent")
        cls.agent2 = new_test_user(env, "tc_t_agent2", groups="tc_care.group_agent")
        cls.supervisor = new_test_user(
            env, "tc_t_supervisor", groups="tc_care.group_supervisor"
        )
        cls.escalation_user = new_test_user(
            env, "tc_t_escalation", groups="tc_care.group_supervisor"
        )
        cls.manager = new_test_user(env, "tc_t_manager", groups="tc_care.group_manager")
        cls.stage_new = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
        cls.stage_progress = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_in_progress")
        cls.stage_waiting = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_awaiting")
        cls.stage_done = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        cls.team = env["helpdesk.ticket.team"].create(
            {
                "name": "TC test care",
                "use_sla": True,
                "resource_calendar_id": cls.calendar.id,
                "user_ids": [(6, 0, [cls.agent.id, cls.agent2.id, cls.supervisor.id])],
                "tc_escalation_user_id": cls.escalation_user.id,
                "tc_supervisor_id": cls.supervisor.id,
                "tc_manager_id": cls.manager.id,
                "autoupdate_ticket_stage": True,
                "autopupdate_src_stage_ids": [(6, 0, [cls.stage_waiting.id])],
                "autopupdate_dest_stage_id": cls.stage_progress.id,
            }
        )
        cls.type_fault = env.ref("tc_care.type_technical_fault")
        cls.type_complaint = env.ref("tc_care.type_complaint")
        sla = env["helpdesk.sla"]
        common = {
            "team_ids": [(6, 0, cls.team.ids)],
            "ignore_stage_ids": [(6, 0, cls.stage_waiting.ids)],
        }
        cls.sla_first = sla.create(
            dict(
                common,
                name="T first response 4h",
                tc_target="first_response",
                stage_id=cls.stage_progress.id,
                hours=4,
            )
        )
        cls.sla_fault = sla.create(
            dict(
                common,
                name="T fault 1 day",
                type_ids=[(6, 0, cls.type_fault.ids)],
                stage_id=cls.stage_done.id,
                days=1,
                tc_customer_tier="standard",
            )
        )
        cls.sla_fault_vip = sla.create(
            dict(
                common,
                name="T fault VIP 4h",
                type_ids=[(6, 0, cls.type_fault.ids)],
                stage_id=cls.stage_done.id,
                hours=4,
                tc_customer_tier="vip",
            )
        )
        cls.sla_urgent = sla.create(
            dict(
                common,
                name="T complaint very high 2h",
                type_ids=[(6, 0, cls.type_complaint.ids)],
                stage_id=cls.stage_done.id,
                hours=2,
                tc_priority="3",
            )
        )
        cls.customer = env["res.partner"].create(
            {"name": "TC Customer", "email": "cust@example.com", "tc_tier": "standard"}
        )
        cls.location = env["res.partner"].create(
            {
                "name": "TC Customer home",
                "type": "service_location",
                "parent_id": cls.customer.id,
                "tc_olt_ref": "olt-t1",
                "tc_pon_port": "0/1/1",
            }
        )
        cls.location_other_pon = env["res.partner"].create(
            {
                "name": "TC Customer office",
                "type": "service_location",
                "parent_id": cls.customer.id,
                "tc_olt_ref": "olt-t1",
                "tc_pon_port": "0/1/2",
            }
        )
        cls.portal_user = new_test_user(
            env, "tc_t_portal", groups="base.group_portal", partner_id=cls.customer.id
        )

    def _create_at(self, created, vals_list):
        """Create tickets as if at ``created``: Odoo stamps ``create_date`` (the SLA
        start) with the transaction time, so the test pins that time."""
        created = dt(created) if isinstance(created, str) else created
        cr = self.env.cr
        saved = cr._now
        cr._now = created
        try:
            with freeze_time(created):
                tickets = self.env["helpdesk.ticket"].create(vals_list)
                self.env.flush_all()
        finally:
            cr._now = saved
        return tickets

    def _vals(self, **vals):
        values = {
            "name": "No internet",
            "description": "LOS light red",
            "team_id": self.team.id,
            "partner_id": self.customer.id,
            "type_id": self.type_fault.id,
        }
        values.update(vals)
        return values

    def _ticket(self, created, **vals):
        return self._create_at(created, [self._vals(**vals)])

    def _line(self, ticket, sla):
        return ticket.ticket_sla_ids.filtered(lambda line: line.sla_id == sla)
