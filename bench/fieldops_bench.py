#!/usr/bin/env python3
"""Benchmark tc_fieldops' slot finder: one job, 50 technicians, 2,000 scheduled
jobs in the horizon.

    python3 bench/fieldops_bench.py --write

Runs Odoo in-process (``odoo.tools.config.parse_config`` + ``Registry``) with the
repository's ``odoo.conf`` on the database ``--db`` (must start with ``tc_fo_``;
created with ``-i tc_fieldops --without-demo=all`` when missing, and then dropped at
the end unless ``--keep-db``). Everything the bench creates lives in one transaction that is
rolled back at the end.

Fixtures: one field calendar (Mon-Fri 08-12 / 13-17, Europe/Lisbon), ``--technicians``
technicians (users of the Technician group with an employee, field skills at random
levels, home bases around Lisbon and Porto, 8 h daily capacity), 300 customers with a
service location each, and ``--jobs`` jobs scheduled in the 7-day horizon that starts
next Monday (45-minute jobs, eight per technician and working day with one free hour
per half-day at a random place), plus ``--history`` done jobs in the weeks before
(copied in SQL: the tables are not empty, indexes matter).

Measured, median of ``--runs`` runs each with a cold ORM cache:

* ``project.task._tc_find_slots()`` for a 1-hour job requiring fibre splicing at
  "Qualified" or better, over the horizon (the dispatcher's "Find a slot");
* its parts: skills, calendars (working intervals with leaves), bookings, the pure
  Python search;
* ``_tc_check_schedule()`` on one scheduled job (what every save and every drop on
  the board runs).

``--write`` replaces the ``## tc_fieldops`` section of bench/RESULTS.md.
"""

import argparse
import contextlib
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import bench_results  # bench/bench_results.py (the scripts run from bench/)
import pytz
from bench_results import log
from psycopg2.extras import execute_values

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.service import db as db_service
from odoo.tools import config

# set by main() once the addons path is configured
slot_lib = None

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## tc_fieldops"
TARGET_MS = 300.0
CTX = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "no_reset_password": True,
}
LISBON = (38.7223, -9.1393)
PORTO = (41.1579, -8.6291)


def db_exists(name):
    with contextlib.closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return bool(cr.fetchone())


def odoo_cli(name, *options):
    cmd = [sys.executable, "-m", "odoo", "-c", str(ROOT / "odoo.conf"), "-d", name]
    cmd += [*options, "--stop-after-init", "--no-http", "--log-level=warn"]
    log("running: %s", " ".join(cmd))
    subprocess.run(cmd, check=True, cwd=ROOT)


@contextlib.contextmanager
def open_env(name):
    registry = Registry(name)
    try:
        with registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, CTX)
    finally:
        Registry.delete(name)
        odoo.sql_db.close_db(name)


def near(rng, center, km):
    """A random point within about ``km`` of ``center``."""
    return (
        center[0] + rng.uniform(-km, km) / 111.0,
        center[1] + rng.uniform(-km, km) / 84.0,
    )


# ----------------------------------------------------------------------------------
# fixtures
# ----------------------------------------------------------------------------------
def make_fixtures(env, args, rng):
    ref = env.ref
    calendar = env["resource.calendar"].create(
        {
            "name": "Bench field calendar",
            "tz": "Europe/Lisbon",
            "hours_per_day": 8,
            "attendance_ids": [
                (
                    0,
                    0,
                    {
                        "name": f"{d} {p}",
                        "dayofweek": str(d),
                        "hour_from": hf,
                        "hour_to": ht,
                        "day_period": p,
                    },
                )
                for d in range(5)
                for hf, ht, p in ((8, 12, "morning"), (13, 17, "afternoon"))
            ],
        }
    )
    skills = [
        ref("tc_fieldops.skill_fibre_splicing"),
        ref("tc_fieldops.skill_ont_install"),
        ref("tc_fieldops.skill_wifi"),
        ref("tc_fieldops.skill_copper"),
    ]
    levels = [
        ref("tc_fieldops.skill_level_trainee"),
        ref("tc_fieldops.skill_level_qualified"),
        ref("tc_fieldops.skill_level_senior"),
        ref("tc_fieldops.skill_level_expert"),
    ]
    users = env["res.users"].create(
        [
            {
                "name": f"Bench technician {i:02d}",
                "login": f"tc_fo_bench_tech_{i:02d}",
                "email": f"tech{i:02d}@bench.example.com",
                "groups_id": [(6, 0, ref("tc_fieldops.group_technician").ids)],
            }
            for i in range(args.technicians)
        ]
    )
    employees = env["hr.employee"].create(
        [
            {
                "name": user.name,
                "user_id": user.id,
                "tc_is_technician": True,
                "resource_calendar_id": calendar.id,
                "tz": "Europe/Lisbon",
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
                            "skill_level_id": rng.choice(levels).id,
                        },
                    )
                    for skill in rng.sample(skills, 3)
                ],
            }
            for user, home in (
                (user, near(rng, LISBON if i % 2 else PORTO, 25))
                for i, user in enumerate(users)
            )
        ]
    )
    project = env["project.project"].create(
        {"name": "Bench field operations", "tc_is_field_ops": True}
    )
    customers = env["res.partner"].create(
        [{"name": f"Bench customer {i}"} for i in range(300)]
    )
    locations = env["res.partner"].create(
        [
            {
                "name": f"{customer.name} – home",
                "type": "service_location",
                "parent_id": customer.id,
                "tc_latitude": point[0],
                "tc_longitude": point[1],
            }
            for customer, point in (
                (c, near(rng, LISBON if i % 2 else PORTO, 30))
                for i, c in enumerate(customers)
            )
        ]
    )
    return calendar, employees, project, locations, skills, levels


def next_monday_utc():
    today = fields.Date.today()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime.combine(monday, datetime.min.time())


def fill_jobs(env, args, rng, employees, project, locations, horizon_start):
    """``args.jobs`` jobs on the technicians' working days of the horizon (no
    overlap, within hours and capacity), then ``args.history`` done ones before."""
    tz = pytz.timezone("Europe/Lisbon")
    per_day = 8
    days = max(1, -(-args.jobs // (len(employees) * per_day)))
    windows = []
    for employee in employees:
        for day in range(days):
            date = (horizon_start + timedelta(days=day)).date()
            if date.weekday() >= 5:
                continue
            for half_start in (8, 13):
                gap_at = rng.randrange(5)  # the free hour is before job number gap_at
                minute = 0
                for index in range(4):
                    if index == gap_at:
                        minute += 60
                    local = datetime.combine(date, datetime.min.time()) + timedelta(
                        hours=half_start, minutes=minute
                    )
                    start = tz.localize(local).astimezone(pytz.utc)
                    start = start.replace(tzinfo=None)
                    windows.append((employee.id, start, start + timedelta(minutes=45)))
                    minute += 45
    rng.shuffle(windows)
    windows = windows[: args.jobs]
    # unscheduled jobs through the ORM (checklists, defaults...), then their
    # appointments in SQL: a fixture, not what is measured
    Task = env["project.task"].with_context(**CTX)
    job_ids = []
    for chunk in range(0, len(windows), 500):
        part = windows[chunk : chunk + 500]
        jobs = Task.create(
            [
                {
                    "name": f"Bench job {chunk + i}",
                    "project_id": project.id,
                    "tc_job_type": "repair",
                    "tc_location_id": rng.choice(locations).id,
                    "allocated_hours": 0.75,
                }
                for i in range(len(part))
            ]
        )
        job_ids += jobs.ids
    env.flush_all()
    execute_values(
        env.cr._obj,
        """
        UPDATE project_task t
           SET tc_technician_id = v.emp, planned_date_start = v.s,
               planned_date_end = v.e, tc_job_state = 'scheduled'
          FROM (VALUES %s) AS v(id, emp, s, e)
         WHERE t.id = v.id
        """,
        [(job_id, *window) for job_id, window in zip(job_ids, windows, strict=True)],
        template="(%s, %s, %s::timestamp, %s::timestamp)",
        page_size=1000,
    )
    if args.history:
        # past weeks: copies of the week's jobs, done, shifted back week by week
        env.cr.execute(
            """
            INSERT INTO project_task (name, project_id, stage_id, company_id, active,
                   state, tc_is_job, tc_job_type, tc_job_state, tc_technician_id,
                   tc_location_id, planned_date_start, planned_date_end, allocated_hours,
                   create_uid, write_uid, create_date, write_date)
            SELECT t.name || ' (w-' || w || ')', t.project_id, t.stage_id, t.company_id,
                   true, '1_done', true, t.tc_job_type, 'done', t.tc_technician_id,
                   t.tc_location_id,
                   t.planned_date_start - (w * interval '7 days'),
                   t.planned_date_end - (w * interval '7 days'),
                   t.allocated_hours, 1, 1, now(), now()
              FROM project_task t, generate_series(1, %s) AS w
             WHERE t.id = ANY(%s)
            """,
            [max(1, -(-args.history // len(job_ids))), job_ids],
        )
    env.invalidate_all()
    env.cr.execute("ANALYZE project_task")
    env.cr.execute(
        "SELECT count(*) FILTER (WHERE planned_date_start >= %s AND planned_date_start < %s),"
        " count(*) FROM project_task WHERE tc_is_job",
        [horizon_start, horizon_start + timedelta(days=7)],
    )
    return env.cr.fetchone()


# ----------------------------------------------------------------------------------
# measures
# ----------------------------------------------------------------------------------
def timed(env, fn, runs):
    samples = []
    result = None
    for _i in range(runs):
        env.invalidate_all()
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, result


def measure(env, args, employees, project, locations, skills, levels, start):
    end = start + timedelta(days=7)
    fibre, qualified = skills[0], levels[1]
    job = env["project.task"].create(
        {
            "name": "Bench job to place",
            "project_id": project.id,
            "tc_job_type": "repair",
            "tc_location_id": locations[0].id,
            "allocated_hours": 1.0,
            "tc_skill_req_ids": [
                (0, 0, {"skill_id": fibre.id, "level_id": qualified.id})
            ],
        }
    )
    env.flush_all()
    Task = env["project.task"]
    out = {}
    out["finder"], slots = timed(
        env, lambda: job._tc_find_slots(date_from=start, days=7, limit=10), args.runs
    )
    out["slots"] = [
        (slot["technician"].name, slot["start"], slot["distance_km"]) for slot in slots
    ]
    requirements = job._tc_requirements()
    skills_of = employees._tc_skills_of()
    qualified_ids = [
        e.id
        for e in employees
        if not slot_lib.missing_skills(requirements, skills_of.get(e.id, {}))
    ]
    out["qualified"] = len(qualified_ids)
    candidates = employees.browse(qualified_ids)
    out["skills"], _r = timed(env, lambda: employees._tc_skills_of(), args.runs)
    out["calendars"], _r = timed(
        env, lambda: candidates.sudo()._tc_work_intervals(start, end), args.runs
    )
    out["bookings"], bookings = timed(
        env,
        lambda: candidates.sudo()._tc_bookings_of(
            start - timedelta(days=1), end + timedelta(days=1)
        ),
        args.runs,
    )
    out["booking_count"] = sum(len(b) for b in bookings.values())
    planner = Task._tc_planner(candidates, start, end, skills=skills_of)
    out["search"], _r = timed(
        env,
        lambda: slot_lib.find_slots(
            planner.values(),
            timedelta(hours=1),
            start,
            end,
            requirements=requirements,
            job_point=job._tc_point(),
            limit=10,
            exclude_job_id=job.id,
        ),
        args.runs,
    )
    scheduled = Task.search(
        [("tc_is_job", "=", True), ("tc_job_state", "=", "scheduled")], limit=1
    )
    out["check"], _r = timed(env, scheduled._tc_check_schedule, args.runs)
    return out


# ----------------------------------------------------------------------------------
# report
# ----------------------------------------------------------------------------------
def stats(samples):
    return statistics.median(samples), min(samples), max(samples)


def report(run):
    m = run["measure"]
    med, lo, hi = stats(m["finder"])
    verdict = "meets" if med < TARGET_MS else "MISSES"
    first = m["slots"][0] if m["slots"] else None
    lines = [
        SECTION,
        "",
        f"Measured {run['date']} by `{run['command']}` on {run['machine']}.",
        "",
        f"Slot finding for one job (1 h, fibre splicing at Qualified or better) with "
        f"{run['technicians']} technicians ({m['qualified']} qualify) and "
        f"{run['in_horizon']:,} jobs scheduled in the 7-day horizon "
        f"({run['total_jobs']:,} jobs in the table, the rest done in past weeks); "
        f"{m['booking_count']:,} bookings of the qualified technicians read. "
        f"Median of {run['runs']} runs, each with a cold ORM cache, in one "
        f"transaction rolled back at the end.",
        "",
        "| step | median | range |",
        "|---|---:|---:|",
        f"| `_tc_find_slots()` end to end | **{med:.0f} ms** | {lo:.0f}-{hi:.0f} ms |",
    ]
    for key, label in (
        ("skills", "skills of all technicians (one SQL query)"),
        ("calendars", "working intervals of the qualified (resource calendars)"),
        ("bookings", "their bookings in the horizon (one SQL query)"),
        ("search", "pure-Python search (lib/slots.py)"),
        ("check", "`_tc_check_schedule()` on one job (every save / board drop)"),
    ):
        k_med, k_lo, k_hi = stats(m[key])
        lines.append(f"| {label} | {k_med:.1f} ms | {k_lo:.1f}-{k_hi:.1f} ms |")
    lines += [
        "",
        f"Target < {TARGET_MS:.0f} ms: {verdict} it. {len(m['slots'])} proposals; "
        + (
            f"the first: {first[0]} on {first[1]:%a %H:%M} UTC, {first[2]:.1f} km away."
            if first
            else "none."
        ),
        "",
        "Notes:",
        "",
        "- Skills are checked before any calendar is computed: only technicians who "
        "can do the job cost calendar and booking time.",
        "- One `_work_intervals_batch` call per calendar for all its technicians "
        "(Odoo's own computation, leaves included); bookings of technicians and "
        "helpers in one query on the partial index "
        "`project_task_tc_technician_window_idx`.",
        f"- Fixture creation ({run['fixture_s']:.0f} s) is not included; "
        f"1-minute load average {run['load_start']} before, {run['load_end']} after.",
        "",
    ]
    return "\n".join(lines)


def write_section(text):
    bench_results.write_section(SECTION, text, RESULTS)


def machine():
    return (
        f"{os.cpu_count()} CPU(s), Python {platform.python_version()}, "
        f"Odoo {odoo.release.version}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="tc_fo_bench")
    parser.add_argument("--technicians", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--history", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()
    if not args.db.startswith("tc_fo_"):
        parser.error("--db must start with tc_fo_")
    os.chdir(ROOT)
    config.parse_config(
        ["-c", str(ROOT / "odoo.conf"), "--log-level=warn", "--no-http"],
        setup_logging=True,
    )
    global slot_lib  # noqa: PLW0603
    from odoo.addons.tc_fieldops.lib import slots as slot_lib  # noqa: PLC0415

    created = False
    if not db_exists(args.db):
        odoo_cli(args.db, "-i", "tc_fieldops", "--without-demo=all")
        created = True
    rng = random.Random(args.seed)
    run = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "command": "python3 bench/fieldops_bench.py " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "load_start": f"{os.getloadavg()[0]:.2f}",
        "runs": args.runs,
        "technicians": args.technicians,
    }
    try:
        with open_env(args.db) as env:
            started = time.perf_counter()
            log("fixtures: %d technicians, %d jobs", args.technicians, args.jobs)
            calendar, employees, project, locations, skills, levels = make_fixtures(
                env, args, rng
            )
            start = next_monday_utc()
            run["in_horizon"], run["total_jobs"] = fill_jobs(
                env, args, rng, employees, project, locations, start
            )
            run["fixture_s"] = time.perf_counter() - started
            log(
                "%d jobs in the horizon, %d in the table (%.0f s)",
                run["in_horizon"],
                run["total_jobs"],
                run["fixture_s"],
            )
            run["measure"] = measure(
                env, args, employees, project, locations, skills, levels, start
            )
            env.cr.rollback()
    finally:
        if created and not args.keep_db:
            log("dropping %s", args.db)
            db_service.exp_drop(args.db)
    run["load_end"] = f"{os.getloadavg()[0]:.2f}"
    text = report(run)
    print(text)
    if args.write:
        write_section(text)
        log("wrote %s", RESULTS)


if __name__ == "__main__":
    main()
