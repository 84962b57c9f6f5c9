#!/usr/bin/env python3
"""Webhook ingestion benchmark (tc_integrations).

Starts a real Odoo (``--workers=2``) on a bench database with the suite installed
and a webhook secret, then sends signed events (Standard Webhooks, the PyPI
``standardwebhooks`` library) to ``POST /tc/webhooks/events`` with a pool of
concurrent clients, and the same number of requests to the same server's trivial
``GET /web/health`` as the baseline. Reports accepted events/s and p50/p99 latency
for both, and checks every event was stored exactly once.

    python3 bench/webhook_bench.py --events 2000 --clients 16 [--write]

Only 127.0.0.1 is used. The database ``tc_bench_webhook`` (``--db``) is created if
missing; ``--port`` is Odoo's HTTP port (18169).
"""

import argparse
import base64
import concurrent.futures
import io
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import bench_results  # bench/bench_results.py (the scripts run from bench/)
import odoo_profiled  # bench/odoo_profiled.py
import requests
from standardwebhooks.webhooks import Webhook

ROOT = Path(__file__).resolve().parent.parent
DB = "tc_bench_webhook"
PORT = 18169
SECRET = "whsec_" + base64.b64encode(b"tc-ops-bench-secret-0123456789ab").decode()
SECTION = "## tc_integrations"


def odoo(*args, env=None, **kw):
    cmd = [sys.executable, "-m", "odoo", "-c", str(ROOT / "odoo.conf"), *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, check=True, **kw)


def ensure_db():
    exists = subprocess.run(
        ["psql", "-Atc", f"select 1 from pg_database where datname='{DB}'", "postgres"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if exists != "1":
        odoo(
            "-d", DB, "-i", "tc_integrations", "--without-demo=all",
            "--stop-after-init", "--max-cron-threads=0", f"--http-port={PORT}",
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip


def code_version():
    """Short commit of the checkout, ``+dirty`` when it has changes."""
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "addons", "bench"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    return f"`{head}`" + (" (+ uncommitted changes)" if dirty else "")


def start_server(timings=None, profile=False, runner=True, dbfilter=True):
    """Odoo with 2 workers; with ``timings`` (a directory) through
    ``odoo_profiled.py``, which times (and with ``profile`` profiles) every request
    per route in each worker."""
    env = dict(os.environ, TC_WEBHOOK_SECRET=SECRET)
    # Odoo's console script, not ``-m odoo``: a prefork master starts its gevent
    # process as ``python argv[0] gevent``; with ``-m odoo`` that is odoo/__main__.py,
    # which fails at once and is started again every second (~0.4 core of this
    # machine, measured: the 55 % of the first run of this bench paid it)
    script = Path(sys.executable).with_name("odoo")
    launcher = [str(script)] if script.exists() else ["-m", "odoo"]
    if timings:
        launcher = [str(Path(__file__).resolve().parent / "odoo_profiled.py")]
        env.update(TC_PROFILE_DIR=str(timings), TC_PROFILE="1" if profile else "0")
    proc = subprocess.Popen(
        [
            sys.executable,
            *launcher,
            "-c",
            str(ROOT / "odoo.conf"),
            "-d",
            DB,
            "--workers=2",
            "--max-cron-threads=0",
            f"--http-port={PORT}",
            "--http-interface=127.0.0.1",
            *(["--db-filter", f"^{DB}$"] if dbfilter else []),
            "--log-level=warn",
            "--limit-time-real=120",
            *([] if runner else ["--load=base,web"]),
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{PORT}/web/health", timeout=2).ok:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.5)
    exited = proc.poll()
    proc.kill()
    proc.wait()
    raise RuntimeError(
        f"Odoo exited with code {exited}"
        if exited is not None
        else "Odoo did not start"
    )


def signed_request(session, wh, n, run):
    event_id = f"bench-{run}-{n}"
    body = json.dumps(
        {
            "id": event_id,
            "type": "BenchPing",  # unknown type: stored and kept as ignored
            "correlation_id": str(uuid.uuid4()),
            "data": {"n": n},
        }
    )
    msg_id = f"msg_{event_id}"
    ts = datetime.now(tz=timezone.utc)
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(ts.timestamp())),
        "webhook-signature": wh.sign(msg_id, ts, body),
    }
    t0 = time.perf_counter()
    resp = session.post(
        f"http://127.0.0.1:{PORT}/tc/webhooks/events", data=body, headers=headers
    )
    return time.perf_counter() - t0, resp.status_code


def health_request(session, _wh, _n, _run):
    t0 = time.perf_counter()
    resp = session.get(f"http://127.0.0.1:{PORT}/web/health")
    return time.perf_counter() - t0, resp.status_code


def run(kind, fn, total, clients, run_id, meter=None):
    wh = Webhook(SECRET)
    sessions = [requests.Session() for _ in range(clients)]
    cpu0 = meter.snapshot() if meter else None
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        results = list(
            pool.map(lambda n: fn(sessions[n % clients], wh, n, run_id), range(total))
        )
    wall = time.perf_counter() - t0
    cpu = meter.delta(cpu0, meter.snapshot()) if meter else {}
    lat = sorted(r[0] * 1000 for r in results)
    codes = {}
    for _lat, code in results:
        codes[code] = codes.get(code, 0) + 1
    return {
        "kind": kind,
        "requests": total,
        "wall_s": wall,
        "per_s": total / wall,
        "p50_ms": statistics.median(lat),
        "p99_ms": lat[int(len(lat) * 0.99) - 1],
        "codes": codes,
        "cpu_ms": {name: sec / total * 1000 for name, sec in cpu.items()},
    }


def stored(run_id):
    out = subprocess.run(
        [
            "psql",
            "-d",
            DB,
            "-Atc",
            f"select count(*), count(distinct event_id) from tc_event "
            f"where event_id like 'bench-{run_id}-%'",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return tuple(int(x) for x in out.split("|"))


def timing_lines(out_dir, profile):
    """Per route, in the workers: CPU and wall time and SQL per request (the replay
    requests are counted with the webhook's), and the profiles' top functions."""
    totals, profs = odoo_profiled.merged(out_dir)
    lines = [
        "Inside the Odoo workers, per request (`odoo_profiled.py`"
        + (
            ", under cProfile: about twice the CPU time of a run without it"
            if profile
            else ""
        )
        + "):",
        "",
        "| route | requests | wall ms | worker CPU ms | SQL queries | SQL ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in sorted(totals.values(), key=lambda t: -t["n"]):
        n = t["n"] or 1
        lines.append(
            f"| `{t['path']}` | {t['n']} | {t['wall'] / n * 1000:.2f} "
            f"| {t['cpu'] / n * 1000:.2f} | {t['sql_n'] / n:.1f} | {t['sql_s'] / n * 1000:.2f} |"
        )
    lines.append("")
    for path, stats in profs.items():
        buf = io.StringIO()
        stats.stream = buf
        stats.sort_stats("cumulative").print_stats(40)
        lines += [
            f"cProfile of `{path}`, top 40 by cumulative time:",
            "",
            "```",
            buf.getvalue().strip(),
            "```",
            "",
        ]
    return lines


def main():
    global DB, PORT  # noqa: PLW0603 (one server per run, read by the helpers)
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3, help="health/webhook rounds")
    ap.add_argument(
        "--no-runner",
        action="store_true",
        help="start Odoo without queue_job's runner (--load=base,web)",
    )
    ap.add_argument(
        "--no-dbfilter",
        action="store_true",
        help="no --db-filter: Odoo takes the database from -d instead of listing "
        "the databases (a new connection to `postgres`) for every request without "
        "a session",
    )
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--db", default=DB, help="bench database (created if missing)")
    ap.add_argument("--port", type=int, default=PORT, help="Odoo's HTTP port")
    ap.add_argument(
        "--timings",
        metavar="DIR",
        help="time every request per route in the workers (odoo_profiled.py) and "
        "report CPU and SQL per request; the per-worker files go to DIR",
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="with --timings: cProfile the workers too (slower: figures not comparable)",
    )
    args = ap.parse_args()
    DB, PORT = args.db, args.port
    ensure_db()
    commit = code_version()
    load_before = os.getloadavg()
    proc = start_server(
        args.timings,
        args.profile,
        runner=not args.no_runner,
        dbfilter=not args.no_dbfilter,
    )
    rounds = []
    try:
        run_id = uuid.uuid4().hex[:8]
        meter = bench_results.CpuMeter(
            {
                "Odoo": lambda: (bench_results.process_tree(proc.pid), proc.pid),
                "PostgreSQL": bench_results.postgres_group([DB, "postgres"]),
            }
        )
        run("warm-up", health_request, 50, 4, run_id)
        run("warm-up", signed_request, 50, 4, f"w{run_id}")
        for i in range(args.rounds):
            bench_results.log("round %d/%d", i + 1, args.rounds)
            base = run(
                "GET /web/health (baseline)",
                health_request,
                args.events,
                args.clients,
                run_id,
                meter,
            )
            hook = run(
                "POST /tc/webhooks/events",
                signed_request,
                args.events,
                args.clients,
                f"{run_id}-{i}",
                meter,
            )
            rounds.append((base, hook))
        # replays: same ids again, must be answered without storing anything new
        replay = run(
            "replay of the same events",
            signed_request,
            args.events // 10,
            args.clients,
            f"{run_id}-0",
            meter,
        )
        count, distinct = stored(run_id)
    finally:
        proc.terminate()
        proc.wait(30)
    load_after = os.getloadavg()
    ratios = [hook["per_s"] / base["per_s"] for base, hook in rounds]
    sent = args.events * args.rounds
    lines = [
        SECTION,
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by "
        f"`python3 bench/webhook_bench.py --events {args.events} --clients {args.clients} "
        f"--rounds {args.rounds}{' --no-runner' if args.no_runner else ''}"
        f"{' --no-dbfilter' if args.no_dbfilter else ''}"
        f"{' --timings DIR' if args.timings else ''} --write` "
        f"at {commit} on {os.cpu_count()} CPUs; Odoo `--workers=2` on 127.0.0.1"
        + (
            " without queue_job's runner (`--load=base,web`: events stay pending, "
            "as on a web node of the production topology)"
            if args.no_runner
            else ", queue_job's runner in the same server (it runs the jobs of the "
            "events on the same two workers meanwhile)"
        )
        + (
            "; `-d` without `--db-filter` (no database listing per request)"
            if args.no_dbfilter
            else "; `-d` and `--db-filter` (Odoo lists the databases, through a new "
            "connection to `postgres`, for every request without a session)"
        )
        + f"; {args.clients} concurrent clients (Python threads of this script, on the "
        "same machine), events signed with the PyPI `standardwebhooks` library, type "
        "`BenchPing` (stored, answered 202, processed by queue_job as ignored). "
        f"Rounds of {args.events} health requests then {args.events} events, "
        f"interleaved; 1-minute load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after (the machine is shared).",
        "",
        "| round | requests | count | wall s | req/s | p50 ms | p99 ms | statuses "
        "| CPU ms/request: Odoo | PostgreSQL | load generator | whole machine |",
        "|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    rows = [(i + 1, r) for i, pair in enumerate(rounds) for r in pair]
    rows.append(("-", replay))
    for label, r in rows:
        cpu = r["cpu_ms"]
        lines.append(
            f"| {label} | {r['kind']} | {r['requests']} | {r['wall_s']:.2f} "
            f"| {r['per_s']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['codes']} "
            f"| {cpu['Odoo']:.2f} | {cpu['PostgreSQL']:.2f} "
            f"| {cpu['this process']:.2f} | {cpu['machine']:.2f} |"
        )

    def median_of(index, key, sub=None):
        values = [pair[index][key] for pair in rounds]
        if sub:
            values = [v[sub] for v in values]
        return statistics.median(values)

    cpu_line = " / ".join(
        f"{median_of(0, 'cpu_ms', name):.2f} vs {median_of(1, 'cpu_ms', name):.2f}"
        for name in ("Odoo", "PostgreSQL", "this process")
    )
    lines += [
        "",
        f"**Webhook / health throughput: {statistics.median(ratios):.0%}** (median of "
        f"the rounds: {', '.join(f'{r:.0%}' for r in ratios)}); "
        f"{median_of(1, 'per_s'):.0f} events/s against {median_of(0, 'per_s'):.0f} "
        f"health requests/s. CPU ms per request, health vs webhook (medians): Odoo / "
        f"PostgreSQL / load generator {cpu_line}.",
        "",
        "CPU per request from /proc: the Odoo server's processes (master, workers, "
        "queue_job's runner and the job requests it sends to the workers), PostgreSQL "
        "(the backends of the bench database and of `postgres`, which Odoo's database "
        "listing opens, plus every backend that exited: other users' of this shared "
        "server too), this script's own threads, and every core's busy time (what "
        "exceeds the three before it is other work on the machine).",
    ]
    lines += [
        "",
        f"Stored: {count} rows for {distinct} distinct event ids out of {sent} "
        "sent (replays stored nothing).",
        "",
    ]
    if args.timings:
        lines += timing_lines(args.timings, args.profile)
    text = "\n".join(lines)
    print(text)
    if args.write:
        # the whole heading line: "## tc_integrations" also starts the heading of
        # the reconciliation section
        bench_results.write_section(SECTION, text)
    if count != distinct or distinct != sent:
        sys.exit("exactly-once check failed")


if __name__ == "__main__":
    main()
