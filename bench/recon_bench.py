#!/usr/bin/env python3
"""Nightly reconciliation benchmark (tc_integrations).

One night's mismatch report of 5,000 / 10,000 / 20,000 mismatches, served in pages
of 500 by the local data-plane peer (``tc_integrations/testing/dataplane.py``,
HTTP on 127.0.0.1), read by ``tc.reconciliation.run._tc_reconcile`` exactly as
the scheduled action does (commit per page). Measured per size:

* wall time of the run and its peak memory: the growth of the process's resident
  set over the run (sampled every 20 ms), and, in a second run of the same size,
  the peak of Python allocations (``tracemalloc``) — flat in the number of
  pages when the report is streamed;
* the same night again (every mismatch repeated: one UPDATE per page, no case);
* floors in the same run: reading every page over HTTP without storing
  anything, and the same rows written with one SQL ``INSERT … SELECT`` into a
  plain table.

    python3 bench/recon_bench.py [--sizes 5000,10000,20000] [--write]

Odoo runs in-process on the database ``tc_bench_recon`` (created with
``-i tc_integrations --without-demo=all`` when missing, marked by the parameter
``tc_bench.recon``; dropped and made again at each run unless ``--reuse``;
``--db tc_bench_<name>`` for another name). Only
127.0.0.1 is used.
"""

import argparse
import contextlib
import datetime
import os
import platform
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import bench_results  # bench/bench_results.py (the scripts run from bench/)
from bench_results import log

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import config

ROOT = Path(__file__).resolve().parent.parent


class Bench:
    db = "tc_bench_recon"  # --db


MARKER = "tc_bench.recon"
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## tc_integrations: nightly reconciliation"
PAGE = 500
TARGET_S = 60.0
TOKEN = "bench-recon-token-0123456789"


def odoo_cli(*options):
    cmd = [sys.executable, "-m", "odoo", "-c", str(ROOT / "odoo.conf"), "-d", Bench.db]
    cmd += [*options, "--stop-after-init", "--no-http", "--log-level=warn"]
    log("running: %s", " ".join(cmd))
    subprocess.run(cmd, check=True, cwd=ROOT)


def db_exists():
    with contextlib.closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [Bench.db])
        return bool(cr.fetchone())


def rows_for(size, tag):
    types = (
        "payment_without_invoice",
        "invoice_without_payment",
        "amount_differs",
        "subscription_state_differs",
        "provisioning_state_differs",
    )
    out = []
    for n in range(size):
        mtype = types[n % len(types)]
        row = {
            "mismatch_id": "bmm_%s_%d" % (tag, n),
            "type": mtype,
            "refs": {
                "customer_id": "BC-%d" % (n % 5000),
                "invoice_id": "BINV-%s-%d" % (tag, n),
                "payment_id": "BPAY-%s-%d" % (tag, n),
            },
            "detected_at": "2026-05-02T02:00:00Z",
        }
        if "state" in mtype:
            row["detail"] = "billing: active, provisioning: suspended"
        else:
            row["expected"] = {"amount": "%d.90" % (20 + n % 50), "currency": "EUR"}
            row["actual"] = {"amount": "%d.90" % (10 + n % 50), "currency": "EUR"}
        out.append(row)
    return out


def db_marked():
    with contextlib.closing(odoo.sql_db.db_connect(Bench.db).cursor()) as cr:
        cr.execute("SELECT 1 FROM ir_config_parameter WHERE key = %s", [MARKER])
        found = bool(cr.fetchone())
    odoo.sql_db.close_db(Bench.db)
    return found


def drop_db():
    if db_exists() and db_marked():
        log("dropping %s (made by this bench)", Bench.db)
        subprocess.run(["dropdb", Bench.db], check=True)


def vacuum():
    conn = odoo.sql_db.db_connect(Bench.db)
    with contextlib.closing(conn.cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(
            "VACUUM ANALYZE helpdesk_ticket, tc_reconciliation_mismatch, "
            "tc_case_timeline, helpdesk_ticket_sla"
        )


def night(registry, day, trace=False):
    """One run of ``day``; returns (seconds, rss growth MB, tracemalloc peak MB, run)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if trace:
            tracemalloc.start()
            tracemalloc.reset_peak()
        with bench_results.RssSampler() as rss:
            started = time.perf_counter()
            run = env["tc.reconciliation.run"]._tc_reconcile(day)
            seconds = time.perf_counter() - started
        peak = None
        if trace:
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        values = run.read(
            [
                "state",
                "pages",
                "new_count",
                "repeated_count",
                "failed_count",
                "cases_created",
            ]
        )[0]
        cr.commit()
    return seconds, rss.growth_mb, peak, values


def http_floor(peer, day):
    from odoo.addons.tc_integrations.lib.api_client import (  # noqa: PLC0415
        DataPlaneClient,
    )

    client = DataPlaneClient(peer.base_url, TOKEN)
    started = time.perf_counter()
    count = 0
    for items, _cursor in client.iter_reconciliation_mismatches(day, limit=PAGE):
        count += len(items)
    return time.perf_counter() - started, count


def sql_floor(registry, size, tag):
    with registry.cursor() as cr:
        cr.execute(
            """
            CREATE TABLE IF NOT EXISTS tc_bench_floor (
                mismatch_id varchar PRIMARY KEY, type varchar, customer_ref varchar,
                invoice_ref varchar, payment_ref varchar, expected_amount numeric,
                actual_amount numeric, currency varchar, detail varchar,
                detected_at timestamp, first_seen_date date, last_seen_date date)
            """
        )
        cr.commit()
        started = time.perf_counter()
        cr.execute(
            """
            INSERT INTO tc_bench_floor
            SELECT 'bmm_' || %s || '_' || g,
                   (ARRAY['payment_without_invoice', 'invoice_without_payment',
                          'amount_differs', 'subscription_state_differs',
                          'provisioning_state_differs'])[g %% 5 + 1],
                   'BC-' || (g %% 5000), 'BINV-' || %s || '-' || g,
                   'BPAY-' || %s || '-' || g,
                   (20 + g %% 50) + 0.9, (10 + g %% 50) + 0.9, 'EUR', NULL,
                   '2026-05-02 02:00:00', %s, %s
              FROM generate_series(0, %s - 1) g
            """,
            (tag, tag, tag, "2026-05-01", "2026-05-01", size),
        )
        cr.commit()
        return time.perf_counter() - started


def machine():
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    with contextlib.closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        cr.execute("SHOW server_version")
        pg = cr.fetchone()[0]
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return (
        f"{os.cpu_count()} CPUs ({cpu}), PostgreSQL {pg}, Python "
        f"{platform.python_version()}, Odoo {odoo.release.version}, code at {head}, "
        f"load average {', '.join('%.1f' % x for x in os.getloadavg())} at the end"
    )


def write_section(text):
    bench_results.write_section(SECTION, text, RESULTS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="5000,10000,20000")
    parser.add_argument("--write", action="store_true")
    parser.add_argument(
        "--db", default=Bench.db, help="database of the bench (starts with tc_bench_)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database of an earlier run (its cases stay; new ids are used)",
    )
    parser.add_argument(
        "--no-tracemalloc", action="store_true", help="skip the tracemalloc runs"
    )
    args = parser.parse_args()
    if not args.db.startswith("tc_bench_"):
        sys.exit("--db must start with tc_bench_")
    Bench.db = args.db
    sizes = [int(s) for s in args.sizes.split(",")]
    for key in ("TC_API_BASE_URL", "TC_API_TOKEN", "TC_TENANT_ID"):
        os.environ.pop(key, None)
    config.parse_config(["-c", str(ROOT / "odoo.conf"), "--log-level=warn"])
    if not args.reuse:
        drop_db()
    if not db_exists():
        odoo_cli("-i", "tc_integrations", "--without-demo=all")
    registry = odoo.modules.registry.Registry(Bench.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        params = env["ir.config_parameter"]
        if not params.get_param(MARKER):
            params.set_param(MARKER, "1")
        params.set_param("tc_integrations.reconciliation_page_size", str(PAGE))
        cr.execute("UPDATE ir_cron SET active = FALSE")
        cr.execute("DELETE FROM tc_reconciliation_run")  # --reuse: new runs
        cr.execute("DROP TABLE IF EXISTS tc_bench_floor")
    # importable once the configuration names the addons path
    from odoo.addons.tc_integrations.testing.dataplane import (  # noqa: PLC0415
        DataPlanePeer,
    )

    started_all = time.time()
    results = []
    base = datetime.date(2026, 5, 1)
    for index, size in enumerate(sizes):
        tag = "s%d_%d" % (size, int(started_all))
        days = [
            (base + datetime.timedelta(days=10 * index + k)).isoformat()
            for k in range(3)
        ]
        first, again, traced = days
        traced_rows = rows_for(size, tag + "t")
        with DataPlanePeer(
            token=TOKEN,
            mismatches={first: rows_for(size, tag), again: rows_for(size, tag)},
        ) as peer:
            config.options["tc_api_base_url"] = peer.base_url
            config.options["tc_api_token"] = TOKEN
            vacuum()
            log("size %d: HTTP floor", size)
            http_s, http_n = http_floor(peer, first)
            log("size %d: night 1 (all new)", size)
            new = night(registry, first)
            log("  %.1f s, +%.0f MB RSS, %s", new[0], new[1], new[3])
            vacuum()
            log("size %d: night 2 (all repeated)", size)
            rep = night(registry, again)
            log("  %.1f s, +%.0f MB RSS, %s", rep[0], rep[1], rep[3])
            peer.mismatches[traced] = traced_rows
            traced_run = None
            if not args.no_tracemalloc:
                vacuum()
                log("size %d: night 1 again with tracemalloc (new ids)", size)
                traced_run = night(registry, traced, trace=True)
                log("  %.1f s, tracemalloc peak %.1f MB", traced_run[0], traced_run[2])
        floor_s = sql_floor(registry, size, tag)
        results.append((size, http_s, http_n, new, rep, traced_run, floor_s))
    total = time.time() - started_all
    lines = [
        SECTION,
        "",
        "Measured %s by `python3 bench/recon_bench.py --sizes %s%s` on %s. Full run "
        "%.1f min."
        % (
            datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
            args.sizes,
            " --write" if args.write else "",
            machine(),
            total / 60,
        ),
        "",
        "One night's report served by the local data-plane peer (HTTP on "
        "127.0.0.1, pages of %d) and read by `tc.reconciliation.run._tc_reconcile` "
        "as the scheduled action does: one commit per page; night 1 = every "
        "mismatch new (one case each with its timeline entry; the bench database "
        "gives the kind no default team, so no SLA lines), night 2 = the "
        "same report again (every mismatch repeated). Memory: growth of the "
        "process's resident set during the run (sampled every 20 ms) and, in a "
        "separate run of the same size with new ids, the peak of Python allocations "
        "(`tracemalloc`, which slows that run down; its time is not reported). "
        "Floors in the same run: every page read over HTTP without storing, and "
        "the same rows written by one SQL `INSERT … SELECT` into a plain table." % PAGE,
        "",
        "| mismatches | pages | night 1 (new) | cases | night 2 (repeated) | "
        "HTTP read only | SQL INSERT … SELECT | RSS growth night 1 | "
        "tracemalloc peak | target < %d s |" % TARGET_S,
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for size, http_s, _http_n, new, rep, traced, floor_s in results:
        lines.append(
            "| {:,} | {} | {:.1f} s ({:,.0f}/s) | {:,} | {:.1f} s ({:,.0f}/s) | "
            "{:.2f} s | {:.3f} s | {:.0f} MB | {} | {} |".format(
                size,
                new[3]["pages"],
                new[0],
                size / new[0],
                new[3]["cases_created"],
                rep[0],
                size / rep[0],
                http_s,
                floor_s,
                new[1],
                "%.1f MB" % traced[2] if traced else "-",
                "pass"
                if new[0] < TARGET_S
                else "**FAIL** (+%.0f %%)" % ((new[0] / TARGET_S - 1) * 100),
            )
        )
    lines.append("")
    lines.append(
        "Counts checked: night 1 new = size and cases = size, night 2 repeated = "
        "size, no failed rows: %s."
        % all(
            r[3][3]["new_count"] == r[0]
            and r[3][3]["cases_created"] == r[0]
            and r[4][3]["repeated_count"] == r[0]
            and not r[3][3]["failed_count"]
            for r in results
        )
    )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        write_section(text)
        log("wrote %s", RESULTS)


if __name__ == "__main__":
    main()
