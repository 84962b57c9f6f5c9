#!/usr/bin/env python3
"""Legacy import at a real ISP's volume (tc_integrations, docs/import.md).

    python3 bench/import_bench.py --write                 # the issue's volumes
    python3 bench/import_bench.py --scale 0.01            # a quick check

1. Generates the synthetic data set (bench/legacy_generate.py) into ``--data``.
2. Builds an empty database ``--db`` (must start with ``tc_bench_``) with the five
   addons installed without demo data, plus the staff users the files name;
   scheduled actions are deactivated.
3. Runs the command a person would run (``python3 -m odoo --addons-path=addons
   legacy-import ...``) as a child process; samples its resident memory every
   second from /proc; reads the run record's per-file rows, counts and seconds.
4. Floor: PostgreSQL ``COPY`` of the same files into plain tables (all columns
   text, no index), per file.
5. ``--rerun``: the same command again on the same files (a second run: every
   row unchanged), timed.

Writes the ``## Legacy import (tc_integrations)`` section of bench/RESULTS.md with
``--write``.
"""

import argparse
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import bench_results  # bench/bench_results.py (the scripts run from bench/)
import psycopg2
from bench_results import log

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Legacy import (tc_integrations)"
ADDONS = "tc_care,tc_network,tc_fieldops,tc_orders,tc_integrations"
ENTITIES = (
    "customers",
    "locations",
    "equipment",
    "subscriptions",
    "tickets",
    "messages",
)


def sql(db, query, args=None, fetch=True):
    with psycopg2.connect(dbname=db) as conn, conn.cursor() as cr:
        cr.execute(query, args)
        return cr.fetchall() if fetch else None


def build_db(db, scale):
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    log("installing %s into %s (no demo)", ADDONS, db)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "-c",
            "odoo.conf",
            "-d",
            db,
            "-i",
            ADDONS,
            "--without-demo=all",
            "--stop-after-init",
            "--max-cron-threads=0",
            "--http-port=8329",
            "--log-level=warn",
        ],
        cwd=ROOT,
        check=True,
    )
    sys.path.insert(0, str(ROOT / "bench"))
    import legacy_generate  # noqa: PLC0415

    legacy_generate._bare_packages()
    from tc_integrations.testing.legacy_generator import staff_logins  # noqa: PLC0415

    script = (
        "grp = env.ref('tc_care.group_agent') | env.ref('base.group_user')\n"
        f"for login in {staff_logins(scale)!r}:\n"
        "    env['res.users'].with_context(no_reset_password=True).create("
        "{'name': login.split('@')[0], 'login': login, 'email': login, "
        "'groups_id': [(6, 0, grp.ids)]})\n"
        "env['ir.cron'].search([]).write({'active': False})\n"
        "env.cr.commit()\n"
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "shell",
            "-c",
            "odoo.conf",
            "-d",
            db,
            "--no-http",
            "--log-level=warn",
        ],
        cwd=ROOT,
        input=script,
        text=True,
        check=True,
        capture_output=True,
    )


class RssSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.samples = []  # (seconds, rss MiB)
        self.stop = False

    def run(self):
        start = time.monotonic()
        status = Path(f"/proc/{self.pid}/status")
        while not self.stop:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        self.samples.append(
                            (time.monotonic() - start, int(line.split()[1]) / 1024)
                        )
            except (FileNotFoundError, ProcessLookupError):
                return
            time.sleep(1)


def run_import(db, data, batch, extra=()):
    cmd = [
        sys.executable,
        "-m",
        "odoo",
        "--addons-path=addons",
        "legacy-import",
        "-c",
        "odoo.conf",
        "-d",
        db,
        "--dir",
        str(data),
        "--batch-size",
        str(batch),
        "--quiet",
        "--log-level=warn",
        *extra,
    ]
    log("running: %s", " ".join(cmd[1:]))
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    sampler = RssSampler(proc.pid)
    sampler.start()
    out, _err = proc.communicate()
    sampler.stop = True
    wall = time.monotonic() - started
    if proc.returncode:
        sys.exit(f"import failed ({proc.returncode}):\n{out}")
    print(out)
    run_id = sql(db, "SELECT max(id) FROM tc_legacy_import_run")[0][0]
    stats = sql(
        db,
        "SELECT entity, rows, created, updated, unchanged, rejected, seconds "
        "FROM tc_legacy_import_stat WHERE run_id = %s ORDER BY sequence",
        (run_id,),
    )
    return wall, stats, sampler.samples, " ".join(cmd[1:])


def copy_floor(db, data):
    """COPY each file into a plain table of text columns; seconds per file."""
    result = {}
    with psycopg2.connect(dbname=db) as conn, conn.cursor() as cr:
        for entity in ENTITIES:
            path = Path(data) / f"{entity}.csv"
            with open(path, encoding="utf-8") as handle:
                header = handle.readline().strip().split(",")
            table = f"bench_copy_{entity}"
            cr.execute(f"DROP TABLE IF EXISTS {table}")
            cr.execute(
                f"CREATE TABLE {table} ({', '.join(f'{c} text' for c in header)})"
            )
            conn.commit()
            started = time.monotonic()
            with open(path, encoding="utf-8") as handle:
                cr.copy_expert(
                    f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)", handle
                )
            conn.commit()
            result[entity] = time.monotonic() - started
            cr.execute(f"DROP TABLE {table}")
            conn.commit()
    return result


def machine(db):
    mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    pg = sql(db, "SHOW server_version")[0][0]
    settings = ", ".join(
        f"{n}={sql(db, f'SHOW {n}')[0][0]}"
        for n in ("shared_buffers", "work_mem", "autovacuum")
    )
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return (
        f"{os.cpu_count()} cores ({cpu}), {round(int(mem) / 1024 / 1024, 1)} GB RAM, "
        f"PostgreSQL {pg} ({settings}), Python {platform.python_version()}; code at {head}"
    )


def rss_summary(samples, wall):
    if not samples:
        return "no samples"
    points = []
    for share in (0.1, 0.25, 0.5, 0.75, 0.95):
        t = wall * share
        near = min(samples, key=lambda s: abs(s[0] - t))
        points.append(f"{int(share * 100)} %: {near[1]:.0f} MiB")
    return ", ".join(points)


def report(args, facts, first, copy, rerun, sizes):
    wall, stats, samples, cmd = first
    peak = max((s[1] for s in samples), default=0)
    lines = [
        SECTION,
        "",
        f"Run {facts['date']} on {facts['machine']}; load average {facts['load_start']} "
        f"at start, {facts['load_end']} at end (other agents share the machine).",
        "",
        "```",
        f"python3 bench/import_bench.py --scale {args.scale:g} --batch {args.batch}"
        + (" --rerun" if args.rerun else "")
        + " --write",
        "```",
        "",
        f"Data: `bench/legacy_generate.py --scale {args.scale:g}` (seed 12) into "
        f"`{args.data}`; database `{args.db}`: the five addons without demo data, "
        "staff users, crons off. Import: `" + cmd + "` (one process, batches of "
        f"{args.batch}, a commit per batch). Floor: PostgreSQL `COPY` of the same file "
        "into a plain table of text columns, no index.",
        "",
        "| file | MB | rows | created | rejected | import s | rows/s | COPY s | COPY rows/s | import / COPY |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    total_rows = 0
    for entity, rows, created, _upd, _unch, rejected, seconds in stats:
        seconds = float(seconds)
        total_rows += rows
        cs = copy.get(entity, 0)
        lines.append(
            f"| {entity}.csv | {sizes[entity] / 1e6:.1f} | {rows:,} | {created:,} | {rejected:,} | "
            f"{seconds:,.1f} | {rows / seconds if seconds else 0:,.0f} | {cs:.2f} | "
            f"{rows / cs if cs else 0:,.0f} | {seconds / cs if cs else 0:,.0f}x |"
        )
    copy_total = sum(copy.values())
    lines += [
        f"| **all** | {sum(sizes.values()) / 1e6:.1f} | {total_rows:,} | | | **{wall:,.0f}** (wall, "
        f"{wall / 60:.1f} min) | {total_rows / wall:,.0f} | {copy_total:.1f} | "
        f"{total_rows / copy_total if copy_total else 0:,.0f} | {wall / copy_total if copy_total else 0:,.0f}x |",
        "",
        f"- Target: the whole set in under 30 minutes: **{'pass' if wall < 1800 else 'FAIL'}** "
        f"({wall / 60:.1f} min wall, process start and run record included; the per-file "
        "seconds are the run record's, batch work only).",
        f"- Peak resident memory of the import process: **{peak:.0f} MiB**; along the run "
        f"({rss_summary(samples, wall)}) — flat: batches are streamed from the files, "
        "nothing is kept per row.",
    ]
    if rerun:
        r_wall, r_stats, r_samples, _cmd = rerun
        unchanged = sum(s[4] for s in r_stats)
        changed = sum(s[2] + s[3] for s in r_stats)
        lines.append(
            f"- Second run on the same files (`--new`): {r_wall / 60:.1f} min wall, "
            f"{unchanged:,} rows unchanged, {changed:,} created or updated, peak "
            f"{max((s[1] for s in r_samples), default=0):.0f} MiB."
        )
    return "\n".join(lines) + "\n"


def write_section(text):
    bench_results.write_section(SECTION, text, RESULTS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="tc_bench_import")
    parser.add_argument("--data", default="/tmp/tc_bench_legacy")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--rerun", action="store_true", help="time a second run too")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()
    if not args.db.startswith("tc_bench_"):
        sys.exit("--db must start with tc_bench_")
    facts = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_start": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
    }
    log("generating scale %s into %s", args.scale, args.data)
    subprocess.run(
        [
            sys.executable,
            "bench/legacy_generate.py",
            "--out",
            args.data,
            "--scale",
            str(args.scale),
        ],
        cwd=ROOT,
        check=True,
    )
    sizes = {e: (Path(args.data) / f"{e}.csv").stat().st_size for e in ENTITIES}
    build_db(args.db, args.scale)
    facts["machine"] = machine(args.db)
    first = run_import(args.db, args.data, args.batch)
    log("import: %.0f s", first[0])
    copy = copy_floor(args.db, args.data)
    log("COPY floor: %.1f s", sum(copy.values()))
    rerun = (
        run_import(args.db, args.data, args.batch, ("--new",)) if args.rerun else None
    )
    facts["load_end"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    log("max RSS of any child process (getrusage): %.0f MiB", children)
    text = report(args, facts, first, copy, rerun, sizes)
    print(text)
    if args.write:
        write_section(text)
        log("wrote %s", RESULTS)


if __name__ == "__main__":
    main()
