# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import contextmanager
from datetime import datetime

from odoo.tests import HttpCase, new_test_user

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT
from odoo.addons.tc_care.tests.common import TcCareCase

# Monday 7 January 2030: every fixture date is in that week (UTC calendar)
MONDAY = datetime(2030, 1, 7)
PORTO = (41.1579, -8.6291)
GAIA = (41.1239, -8.6118)  # ~4 km from Porto
BRAGA = (41.5454, -8.4265)  # ~47 km from Porto
LISBOA = (38.7223, -9.1393)


def dt(text):
    """'Mon 09:00' style times of the fixture week, or a full 'YYYY-MM-DD HH:MM'."""
    if len(text) > 10:
        return datetime.strptime(text, "%Y-%m-%d %H:%M")
    day, hour = text.split()
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    hours, minutes = map(int, hour.split(":"))
    return MONDAY.replace(day=MONDAY.day + days.index(day), hour=hours, minute=minutes)


# what the browser tests' scripts share (no "%": some are %-formatted)
JS_HELPERS = """
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(selector, test = () => true, timeout = 20000) {
    const end = Date.now() + timeout;
    while (Date.now() < end) {
        const found = [...document.querySelectorAll(selector)].find(test);
        if (found) {
            return found;
        }
        await sleep(100);
    }
    throw new Error(`Timeout waiting for ${selector}`);
}
function assert(condition, message) {
    if (!condition) {
        throw new Error(message);
    }
}
"""


def make_calendar(env, name, hours=((8, 12), (13, 17)), days=range(5), tz="UTC"):
    return env["resource.calendar"].create(
        {
            "name": name,
            "tz": tz,
            "hours_per_day": sum(b - a for a, b in hours),
            "attendance_ids": [
                (
                    0,
                    0,
                    {
                        "name": f"{name} {d} {a}",
                        "dayofweek": str(d),
                        "hour_from": a,
                        "hour_to": b,
                        "day_period": "morning" if a < 12 else "afternoon",
                    },
                )
                for d in days
                for a, b in hours
            ],
        }
    )


def always_calendar(env):
    """A UTC calendar open around the clock, every day: appointments in the coming
    days whatever today is."""
    return make_calendar(env, "Always", hours=((0, 24),), days=range(7))


class TcFieldopsCommon:
    """Fixtures on top of tc_care's (``TcCareCase``: the care team, its agent, the
    case stages): a UTC Mon-Fri 08-12 / 13-17 calendar for the technicians
    (``tech_calendar``), three technicians with field skills at different levels and
    home bases (Porto, Gaia, Braga), a dispatcher, a field-operation project (the
    care team's default project), two customers with a service location each and a
    case for the first one."""

    @classmethod
    def _tc_setup(cls):
        cls.env = cls.env(
            context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT, tz="UTC")
        )
        env = cls.env
        ref = env.ref
        # the fixtures alone: no demo technician or checklist takes part
        env["hr.employee"].search([("tc_is_technician", "=", True)]).write(
            {"tc_is_technician": False}
        )
        env["tc.fieldops.checklist"].search([]).write({"active": False})
        cls.tech_calendar = make_calendar(env, "TC field test calendar")
        cls.skill_fibre = ref("tc_fieldops.skill_fibre_splicing")
        cls.skill_ont = ref("tc_fieldops.skill_ont_install")
        cls.skill_wifi = ref("tc_fieldops.skill_wifi")
        cls.level_trainee = ref("tc_fieldops.skill_level_trainee")
        cls.level_qualified = ref("tc_fieldops.skill_level_qualified")
        cls.level_senior = ref("tc_fieldops.skill_level_senior")
        cls.level_expert = ref("tc_fieldops.skill_level_expert")
        cls.skill_type = ref("tc_fieldops.skill_type_field")

        cls.dispatcher = new_test_user(
            env,
            "tc_fo_dispatcher",
            groups="tc_fieldops.group_dispatcher",
            name="Dora Dispatcher",
            email="dora@tc.example.com",
            tz="UTC",
        )
        cls.tech_a, cls.emp_a = cls._technician(
            "tc_fo_tech_a",
            "Alice Alpha",
            PORTO,
            {cls.skill_fibre: cls.level_qualified, cls.skill_ont: cls.level_senior},
        )
        cls.tech_b, cls.emp_b = cls._technician(
            "tc_fo_tech_b",
            "Bruno Bravo",
            GAIA,
            {cls.skill_fibre: cls.level_senior, cls.skill_ont: cls.level_qualified},
        )
        cls.tech_c, cls.emp_c = cls._technician(
            "tc_fo_tech_c",
            "Carla Charlie",
            BRAGA,
            {cls.skill_fibre: cls.level_expert, cls.skill_wifi: cls.level_expert},
        )
        cls.project = env["project.project"].create(
            {
                "name": "TC test field operations",
                "tc_is_field_ops": True,
                "privacy_visibility": "employees",
                "user_id": cls.dispatcher.id,
            }
        )
        Partner = env["res.partner"]
        cls.customer_a = Partner.create(
            {
                "name": "Ana Antunes",
                "email": "ana@example.com",
                "phone": "+351 220 000 001",
            }
        )
        cls.location_a = Partner.create(
            {
                "name": "Ana – home",
                "type": "service_location",
                "parent_id": cls.customer_a.id,
                "street": "Rua das Flores 12",
                "city": "Porto",
                "tc_latitude": PORTO[0],
                "tc_longitude": PORTO[1],
                "tc_access_notes": "Gate code 1234",
            }
        )
        cls.customer_b = Partner.create(
            {"name": "Beto Barros", "email": "beto@example.com"}
        )
        cls.location_b = Partner.create(
            {
                "name": "Beto – shop",
                "type": "service_location",
                "parent_id": cls.customer_b.id,
                "street": "Avenida da Liberdade 100",
                "city": "Lisboa",
                "tc_latitude": LISBOA[0],
                "tc_longitude": LISBOA[1],
            }
        )
        # the care team sends its cases' jobs to the field project
        cls.team.default_project_id = cls.project
        cls.case_a = env["helpdesk.ticket"].create(
            {
                "name": "No signal at Ana's",
                "team_id": cls.team.id,
                "description": "LOS red",
                "partner_id": cls.customer_a.id,
                "tc_location_id": cls.location_a.id,
            }
        )

    @contextmanager
    def assertRaisesText(self, exception, text):
        """``assertRaises`` (which rolls back to a savepoint, like the request
        would) and the message contains ``text``."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertIn(text, str(caught.exception))

    @classmethod
    def _technician(cls, login, name, home, skills, calendar=None, **extra):
        env = cls.env
        user = new_test_user(
            env,
            login,
            groups="tc_fieldops.group_technician",
            name=name,
            email=f"{login}@tc.example.com",
            tz="UTC",
        )
        employee = env["hr.employee"].create(
            dict(
                {
                    "name": name,
                    "user_id": user.id,
                    "tc_is_technician": True,
                    "resource_calendar_id": (calendar or cls.tech_calendar).id,
                    "tz": "UTC",
                    "tc_home_latitude": home[0],
                    "tc_home_longitude": home[1],
                    "tc_capacity_hours": 8.0,
                    "employee_skill_ids": [
                        (
                            0,
                            0,
                            {
                                "skill_type_id": skill.skill_type_id.id,
                                "skill_id": skill.id,
                                "skill_level_id": level.id,
                            },
                        )
                        for skill, level in skills.items()
                    ],
                },
                **extra,
            )
        )
        return user, employee

    @classmethod
    def _job(cls, name="Job", start=None, end=None, technician=None, **vals):
        """A job as the dispatcher creates it; ``start``/``end`` like ``dt``."""
        values = {
            "name": name,
            "project_id": cls.project.id,
            "tc_job_type": "repair",
            "partner_id": cls.customer_a.id,
            "tc_location_id": cls.location_a.id,
            "allocated_hours": 2.0,
        }
        if start:
            values["planned_date_start"] = dt(start)
            values["planned_date_end"] = dt(end)
        if technician:
            values["tc_technician_id"] = technician.id
        values.update(vals)
        return cls.env["project.task"].with_user(cls.dispatcher).create(values)


class TcFieldopsCase(TcFieldopsCommon, TcCareCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._tc_setup()


class TcFieldopsHttpCase(TcFieldopsCommon, TcCareCase, HttpCase):
    """The same fixtures for the portal and browser tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._tc_setup()
