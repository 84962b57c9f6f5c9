# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Slot finding and schedule checks for dispatch jobs, in plain Python.

The ORM layer (``project.task._tc_planner``) loads, for a set of technicians and a
time horizon, everything a decision needs: working intervals from their calendars
(leaves already removed), the jobs already on their schedule, their skills, home
base and daily capacity. The functions here decide, so that the slot finder and
the server-side check of a write (form, timeline drag, import) apply exactly the
same rules:

* skills: every required skill at the required level (level progress, 0-100);
* overlaps: no other job of the technician (as technician or helper) intersects
  the window (touching windows are fine);
* working hours: the window lies inside one working interval (a lunch break
  splits a day);
* capacity: per local day of the technician, booked hours + this job within
  ``capacity_hours`` and jobs within ``capacity_jobs`` (0 = no limit).

All datetimes are naive UTC, as Odoo stores them; local days use the technician's
time zone. Nothing here imports Odoo.
"""

import bisect
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

import pytz

EARTH_RADIUS_KM = 6371.0088


def haversine_km(a, b):
    """Great-circle distance in km between two (latitude, longitude) points, or
    ``None`` when one of them is unknown."""
    if not a or not b:
        return None
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def point(latitude, longitude):
    """(lat, lon), or ``None`` for a missing position (0, 0 is "not set" in Odoo)."""
    if not latitude and not longitude:
        return None
    return (latitude, longitude)


@dataclass
class Booking:
    """A job already on a technician's schedule."""

    job_id: int
    start: datetime
    end: datetime
    point: tuple | None = None

    @property
    def hours(self):
        return (self.end - self.start).total_seconds() / 3600.0


@dataclass
class Technician:
    id: int
    name: str
    tz: tzinfo = pytz.utc
    home: tuple | None = None
    capacity_hours: float = 0.0  # 0 = no limit
    capacity_jobs: int = 0  # 0 = no limit
    work: list = field(default_factory=list)  # [(start, end)], sorted
    bookings: list = field(default_factory=list)  # [Booking], sorted by start
    skills: dict = field(default_factory=dict)  # {skill_id: level progress}

    def __post_init__(self):
        self.work = merge(self.work)
        self.bookings = sorted(self.bookings, key=lambda b: (b.start, b.end))
        self._starts = [b.start for b in self.bookings]
        self._loads = None

    def local_day(self, when):
        return pytz.utc.localize(when).astimezone(self.tz).date()

    def day_load(self, day, exclude_job_id=None):
        """(hours, jobs) booked on the technician's local ``day``."""
        if self._loads is None:
            self._loads = {}
            for booking in self.bookings:
                loads = self._loads.setdefault(self.local_day(booking.start), {})
                loads[booking.job_id] = booking.hours
        loads = self._loads.get(day, {})
        hours = sum(h for job_id, h in loads.items() if job_id != exclude_job_id)
        jobs = len(loads) - (1 if exclude_job_id in loads else 0)
        return hours, jobs

    def overlapping(self, start, end, exclude_job_id=None):
        # bookings are sorted by start: only those starting before ``end`` can overlap
        stop = bisect.bisect_left(self._starts, end)
        return [
            b
            for b in self.bookings[:stop]
            if b.end > start and b.job_id != exclude_job_id
        ]

    def previous_booking(self, start, exclude_job_id=None):
        """The last booking ending at or before ``start`` on the same local day."""
        day = self.local_day(start)
        stop = bisect.bisect_right(self._starts, start)
        for booking in reversed(self.bookings[:stop]):
            if booking.job_id == exclude_job_id or booking.end > start:
                continue
            if self.local_day(booking.start) != day:
                return None
            return booking
        return None

    def origin(self, start, exclude_job_id=None):
        """Where the technician comes from to start a job at ``start``: the previous
        job of the day that has a position, else the home base."""
        previous = self.previous_booking(start, exclude_job_id)
        if previous is not None and previous.point:
            return previous.point, previous.job_id
        return self.home, None


@dataclass(frozen=True)
class Problem:
    """Why a window does not work for a technician. ``kind`` is one of ``skill``,
    ``overlap``, ``hours``, ``capacity_hours``, ``capacity_jobs``; ``data`` holds
    the details the ORM layer needs to word the message."""

    kind: str
    data: tuple = ()


@dataclass(frozen=True)
class Slot:
    technician_id: int
    start: datetime
    end: datetime
    distance_km: float | None
    from_job_id: int | None

    def sort_key(self, names):
        return (
            self.start,
            math.inf if self.distance_km is None else self.distance_km,
            names.get(self.technician_id, ""),
            self.technician_id,
        )


def merge(intervals):
    """Sorted union of (start, end) intervals; touching intervals are joined."""
    result = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if result and start <= result[-1][1]:
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def subtract(intervals, holes):
    """``intervals`` minus ``holes`` (both sorted and merged)."""
    result = []
    j = 0
    for start, end in intervals:
        cursor = start
        while j < len(holes) and holes[j][1] <= cursor:
            j += 1
        k = j
        while k < len(holes) and holes[k][0] < end:
            hole_start, hole_end = holes[k]
            if hole_start > cursor:
                result.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
            if cursor >= end:
                break
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def covered(intervals, start, end):
    """Whether [start, end) lies inside one of the (merged) intervals."""
    index = bisect.bisect_right(intervals, (start, datetime.max)) - 1
    return index >= 0 and intervals[index][0] <= start and end <= intervals[index][1]


def missing_skills(requirements, skills):
    """[(skill_id, required progress, technician's progress or None)] not met."""
    missing = []
    for skill_id, required in requirements.items():
        has = skills.get(skill_id)
        if has is None or has < required:
            missing.append((skill_id, required, has))
    return missing


def window_problems(
    technician,
    start,
    end,
    requirements=None,
    exclude_job_id=None,
    check_skills=True,
):
    """Everything that forbids ``technician`` to do a job in [start, end)."""
    problems = []
    if check_skills and requirements:
        for skill_id, required, has in missing_skills(requirements, technician.skills):
            problems.append(Problem("skill", (skill_id, required, has)))
    for booking in technician.overlapping(start, end, exclude_job_id):
        problems.append(
            Problem("overlap", (booking.job_id, booking.start, booking.end))
        )
    if not covered(technician.work, start, end):
        problems.append(Problem("hours", (start, end)))
    day = technician.local_day(start)
    hours, jobs = technician.day_load(day, exclude_job_id)
    duration = (end - start).total_seconds() / 3600.0
    if (
        technician.capacity_hours
        and hours + duration > technician.capacity_hours + 1e-9
    ):
        problems.append(
            Problem("capacity_hours", (day, hours, duration, technician.capacity_hours))
        )
    if technician.capacity_jobs and jobs + 1 > technician.capacity_jobs:
        problems.append(Problem("capacity_jobs", (day, jobs, technician.capacity_jobs)))
    return problems


def ceil_to_step(when, step):
    """Round ``when`` up to a multiple of ``step`` (a timedelta) since midnight UTC.
    Every time zone offset in use is a multiple of 15 minutes, so a 15-minute grid
    in UTC is the same grid in local time."""
    midnight = when.replace(hour=0, minute=0, second=0, microsecond=0)
    steps = math.ceil((when - midnight) / step)
    return midnight + steps * step


def technician_slots(
    technician,
    duration,
    horizon_start,
    horizon_end,
    job_point=None,
    step=timedelta(minutes=15),
    exclude_job_id=None,
):
    """The earliest start of each local day on which ``technician`` can take a job
    of ``duration``: free time inside working hours, within the horizon, and within
    the day's capacity. Skills are checked by the caller (once per technician)."""
    busy = merge(
        (b.start, b.end) for b in technician.bookings if b.job_id != exclude_job_id
    )
    free = subtract(technician.work, busy)
    hours_needed = duration.total_seconds() / 3600.0
    closed_days = set()
    loads = {}
    slots = []
    for free_start, free_end in free:
        if free_end <= horizon_start:
            continue
        if free_start >= horizon_end:
            break
        start = ceil_to_step(max(free_start, horizon_start), step)
        end = start + duration
        if end > free_end or start >= horizon_end:
            continue
        day = technician.local_day(start)
        if day in closed_days:
            continue
        if day not in loads:
            loads[day] = technician.day_load(day, exclude_job_id)
        hours, jobs = loads[day]
        if (
            technician.capacity_hours
            and hours + hours_needed > technician.capacity_hours + 1e-9
        ) or (technician.capacity_jobs and jobs + 1 > technician.capacity_jobs):
            closed_days.add(day)
            continue
        origin, from_job_id = technician.origin(start, exclude_job_id)
        slots.append(
            Slot(
                technician.id,
                start,
                end,
                haversine_km(origin, job_point),
                from_job_id,
            )
        )
        closed_days.add(day)
    return slots


def find_slots(
    technicians,
    duration,
    horizon_start,
    horizon_end,
    requirements=None,
    job_point=None,
    step=timedelta(minutes=15),
    limit=10,
    exclude_job_id=None,
):
    """Proposals for a job, best first: earliest start, then shortest distance from
    where the technician comes from (previous job of the day or home base), then
    technician name. At most one proposal per technician and local day."""
    if duration <= timedelta(0):
        raise ValueError("A job needs a positive duration to be scheduled.")
    slots = []
    for technician in technicians:
        if requirements and missing_skills(requirements, technician.skills):
            continue
        slots.extend(
            technician_slots(
                technician,
                duration,
                horizon_start,
                horizon_end,
                job_point=job_point,
                step=step,
                exclude_job_id=exclude_job_id,
            )
        )
    names = {t.id: t.name for t in technicians}
    slots.sort(key=lambda s: s.sort_key(names))
    return slots[:limit] if limit else slots
