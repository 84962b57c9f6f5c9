# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The scheduling arithmetic, without the ORM."""

from datetime import datetime, timedelta

import pytz

from odoo.tests import BaseCase, tagged

from ..lib import slots

D = datetime(2030, 1, 7)


def at(hour, minute=0, day=0):
    return D + timedelta(days=day, hours=hour, minutes=minute)


def workweek(days=5):
    return [
        interval
        for day in range(days)
        for interval in (
            (at(8, day=day), at(12, day=day)),
            (at(13, day=day), at(17, day=day)),
        )
    ]


@tagged("post_install", "-at_install")
class TestSlotsLib(BaseCase):
    def test_haversine(self):
        porto, lisboa = (41.1579, -8.6291), (38.7223, -9.1393)
        self.assertAlmostEqual(slots.haversine_km(porto, lisboa), 274.0, delta=2.0)
        self.assertEqual(slots.haversine_km(porto, porto), 0.0)
        self.assertIsNone(slots.haversine_km(porto, None))
        self.assertIsNone(slots.point(0.0, 0.0))

    def test_merge_subtract_covered(self):
        merged = slots.merge([(at(13), at(17)), (at(8), at(12)), (at(12), at(12, 30))])
        self.assertEqual(merged, [(at(8), at(12, 30)), (at(13), at(17))])
        free = slots.subtract(merged, [(at(9), at(10)), (at(11), at(14))])
        self.assertEqual(free, [(at(8), at(9)), (at(10), at(11)), (at(14), at(17))])
        self.assertTrue(slots.covered(merged, at(8), at(12, 30)))
        self.assertFalse(slots.covered(merged, at(11), at(14)), "lunch splits a day")
        self.assertFalse(slots.covered(merged, at(7), at(9)))

    def test_window_problems(self):
        tech = slots.Technician(
            id=1,
            name="T",
            capacity_hours=4,
            capacity_jobs=2,
            work=workweek(),
            bookings=[
                slots.Booking(10, at(9), at(11)),
                slots.Booking(11, at(13), at(14)),
            ],
            skills={7: 50},
        )
        kinds = lambda problems: sorted(p.kind for p in problems)  # noqa: E731
        self.assertEqual(
            kinds(slots.window_problems(tech, at(11), at(12))), ["capacity_jobs"]
        )
        self.assertEqual(
            kinds(slots.window_problems(tech, at(10), at(12), requirements={7: 75})),
            ["capacity_hours", "capacity_jobs", "overlap", "skill"],
        )
        self.assertEqual(
            kinds(slots.window_problems(tech, at(18), at(19), exclude_job_id=10)),
            ["hours"],
        )
        # the job itself is not in its own way
        self.assertEqual(
            slots.window_problems(tech, at(9), at(11), exclude_job_id=10), []
        )

    def test_find_slots_order_and_capacity(self):
        job_point = (41.15, -8.61)
        near = slots.Technician(
            id=1, name="Near", home=(41.14, -8.61), capacity_hours=8, work=workweek()
        )
        far = slots.Technician(
            id=2, name="Far", home=(41.55, -8.42), capacity_hours=8, work=workweek()
        )
        busy = slots.Technician(
            id=3,
            name="Busy",
            home=(41.15, -8.61),
            capacity_hours=3,
            work=workweek(),
            bookings=[slots.Booking(20, at(8), at(10), (41.15, -8.61))],
        )
        found = slots.find_slots(
            [far, busy, near],
            timedelta(hours=2),
            at(7),
            at(0, day=2),
            job_point=job_point,
        )
        self.assertEqual(
            [(s.technician_id, s.start) for s in found[:3]],
            [(1, at(8)), (2, at(8)), (3, at(8, day=1))],
            "earliest first, then the nearer technician; 'Busy' has no capacity left "
            "on Monday and lives at the job on Tuesday",
        )
        self.assertNotIn(3, [s.technician_id for s in found if s.start.day == D.day])

    def test_previous_job_is_the_origin(self):
        tech = slots.Technician(
            id=1,
            name="T",
            home=(38.72, -9.14),  # Lisboa
            capacity_hours=8,
            work=workweek(1),
            bookings=[slots.Booking(5, at(8), at(9, 30), (41.15, -8.61))],  # Porto
        )
        (slot,) = slots.find_slots(
            [tech], timedelta(hours=1), at(6), at(18), job_point=(41.15, -8.62)
        )
        self.assertEqual(slot.start, at(9, 30))
        self.assertEqual(slot.from_job_id, 5)
        self.assertLess(slot.distance_km, 1.5)

    def test_local_day_capacity(self):
        # 23:00 UTC on Monday is Tuesday in Tokyo: capacity is per local day
        tokyo = pytz.timezone("Asia/Tokyo")
        tech = slots.Technician(
            id=1,
            name="T",
            tz=tokyo,
            capacity_jobs=1,
            work=[(at(0), at(0, day=3))],
            bookings=[slots.Booking(1, at(23), at(23, 30))],
        )
        # 16:00 UTC Monday = 01:00 Tuesday in Tokyo, the booking's local day
        problems = slots.window_problems(tech, at(16), at(17))
        self.assertEqual([p.kind for p in problems], ["capacity_jobs"])
        # 14:00 UTC Monday = 23:00 Monday in Tokyo: another day
        self.assertEqual(slots.window_problems(tech, at(14), at(14, 30)), [])
