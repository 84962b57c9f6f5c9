#!/usr/bin/env python3
"""Capacity of the production topology (issue 21 item 5): one web node against two,
behind nginx, in the same run (tc_integrations' webhook and partner API).

Starts the topology with the launcher of the live test (``tests/live/cluster.py``:
two Odoo HTTP nodes without job runner, one jobs node running queue_job's runner,
sessions in PostgreSQL, Debian's nginx in front) and a second nginx over the first
web node only. Both stay up; each round measures, through the one-node nginx and
then through the two-node nginx, ``--requests`` of each kind with ``--clients``
concurrent clients (Python threads of this script):

- ``GET /web/health``: the trivial route, the peer every ratio is taken against;
- ``POST /tc/webhooks/events``: events signed with the PyPI ``standardwebhooks``
  library (type ``BenchPing``: stored, answered 202, processed by the jobs node);
- ``POST /tc/partner/jsonrpc``: ``order.review_status`` of an order the bench
  partner submitted, with its ``tcp_`` key (hash look-up, the per-minute rate
  counter in PostgreSQL, the review search).

CPU time of every process group during every phase (``bench_results.CpuMeter``:
web nodes, jobs node, PostgreSQL, nginx, this load generator, the whole machine)
says where a topology's limit is.

    python3 bench/cluster_bench.py --requests 1000 --clients 16 --rounds 2 [--write]

Database ``tc_bench_cluster`` (``--db``, a name starting ``tc_b``): created with
``-i tc_integrations --without-demo=all`` when missing, made ready for many nodes
by the launcher (``Cluster.prepare``: fs_attachment, shared storage), plus the
bench partner, its key and its order (token kept in the parameter
``tc_bench.cluster_token``: only a bench database holds it). Ports: ``--ports
LO-HI``. Only 127.0.0.1 is used.
"""

import argparse
import base64
import concurrent.futures
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import bench_results  # bench/bench_results.py (the scripts run from bench/)
import requests
from standardwebhooks.webhooks import Webhook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "live"))
import cluster as topology  # noqa: E402  tests/live/cluster.py, the launcher

SECRET = "whsec_" + base64.b64encode(b"tc-ops-bench-secret-0123456789ab").decode()
SECTION = "## Capacity: one web node and two behind nginx (issue 21)"
ORDER = "BENCH-ORD-1"
FIXTURE = """
key_param = "tc_bench.cluster_tokens"
params = env["ir.config_parameter"].sudo()
tokens = (params.get_param(key_param) or "").split()
partner = env["res.partner"].search([("name", "=", "Bench Reseller")], limit=1)
if not partner:
    partner = env["res.partner"].create({"name": "Bench Reseller", "is_company": True})
    env["tc.partner.api"]._order_submit_for_review(
        partner, "%(order)s", "Fiber 500", customer={"name": "Bench Customer"}
    )
while len(tokens) < %(keys)d:
    key = env["tc.partner.api.key"].create(
        {"name": "bench %%d" %% len(tokens), "partner_id": partner.id,
         "rate_limit": 100000000}
    )
    tokens.append(key._tc_generate())
params.set_param(key_param, " ".join(tokens))
env.cr.commit()
print("TOKENS=" + " ".join(tokens))
"""


def psql(db, sql):
    return subprocess.run(
        ["psql", "-d", db, "-Atc", sql], capture_output=True, text=True, check=False
    ).stdout.strip()


def prepare_db(cluster, keys):
    """The bench database, ready for many nodes, and ``keys`` partner keys' tokens
    (keys of the same partner: each has its own rate counter)."""
    db = cluster.db
    if psql("postgres", f"select 1 from pg_database where datname = '{db}'") != "1":
        bench_results.log("installing tc_integrations into %s", db)
        subprocess.run(
            [sys.executable, "-m", "odoo", "-c", str(ROOT / "odoo.conf"), "-d", db,
             "-i", "tc_integrations", "--without-demo=all", "--stop-after-init",
             "--no-http", "--max-cron-threads=0", "--log-level=warn"],
            cwd=ROOT, check=True,
        )  # fmt: skip
    bench_results.log("preparing %s for many nodes (fs_attachment, storage)", db)
    cluster.prepare()
    done = subprocess.run(
        [sys.executable, "-m", "odoo", "shell", "-c", str(ROOT / "odoo.conf"),
         "-d", db, "--no-http", "--log-level=warn"],
        cwd=ROOT, input=FIXTURE % {"order": ORDER, "keys": keys},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    lines = [x for x in done.stdout.splitlines() if x.startswith("TOKENS=tcp_")]
    if not lines:
        raise SystemExit("bench fixture failed:\n" + done.stdout + done.stderr)
    return lines[-1].split("=", 1)[1].split()[:keys]


# -- requests ------------------------------------------------------------------------
def health(session, base, _n, _run):
    return session.get(base + "/web/health")


def webhook(session, base, n, run):
    event_id = f"cbench-{run}-{n}"
    body = json.dumps(
        {"id": event_id, "type": "BenchPing", "correlation_id": str(uuid.uuid4()),
         "data": {"n": n}}
    )  # fmt: skip
    msg_id = f"msg_{event_id}"
    ts = datetime.now(tz=timezone.utc)
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(ts.timestamp())),
        "webhook-signature": Webhook(SECRET).sign(msg_id, ts, body),
    }
    return session.post(base + "/tc/webhooks/events", data=body, headers=headers)


def partner_api(session, base, n, _run):
    body = {
        "jsonrpc": "2.0",
        "id": n,
        "method": "order.review_status",
        "params": {"order_id": ORDER},
    }
    return session.post(
        base + "/tc/partner/jsonrpc",
        json=body,
        headers={
            "Authorization": "Bearer " + session.tc_tokens[n % len(session.tc_tokens)]
        },
    )


def partner_api_one_key(session, base, n, run):
    session.tc_tokens = session.tc_tokens[:1]
    return partner_api(session, base, n, run)


PARTNER_ONE = "partner API order.review_status, 1 key"
PARTNER_MANY = "partner API order.review_status, N keys"
KINDS = {
    "GET /web/health": (health, 200),
    "POST /tc/webhooks/events": (webhook, 202),
    PARTNER_ONE: (partner_api_one_key, 200),
    PARTNER_MANY: (partner_api, 200),
}


def drain(db, timeout=300):
    """Wait until the jobs node has queued and run every job (a phase must not
    pay for the events of the one before); seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        left = psql(
            db,
            "select (select count(*) from queue_job "
            "where state in ('pending', 'enqueued', 'started'))"
            " + (select count(*) from tc_event where awaiting_job)",
        )
        if left == "0":
            break
        time.sleep(1)
    return time.monotonic() - t0


def run_phase(kind, base, total, clients, run_id, tokens, meter):
    fn, expected = KINDS[kind]
    sessions = []
    for _ in range(clients):
        session = requests.Session()
        session.tc_tokens = list(tokens)
        sessions.append(session)

    def one(n):
        t0 = time.perf_counter()
        resp = fn(sessions[n % clients], base, n, run_id)
        ok = resp.status_code == expected and (
            not kind.startswith("partner") or "result" in resp.json()
        )
        return time.perf_counter() - t0, ok

    cpu0 = meter.snapshot()
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(total)))
    wall = time.perf_counter() - t0
    cpu = meter.delta(cpu0, meter.snapshot())
    lat = sorted(r[0] * 1000 for r in results)
    return {
        "per_s": total / wall,
        "wall": wall,
        "p50": statistics.median(lat),
        "p99": lat[int(len(lat) * 0.99) - 1],
        "failed": sum(1 for r in results if not r[1]),
        "cpu_ms": {k: v / total * 1000 for k, v in cpu.items()},
        "cpu_s": cpu,
    }


# -- report --------------------------------------------------------------------------
GROUPS = ("web nodes", "jobs node", "PostgreSQL", "nginx", "this process", "machine")


def report(args, results, commit, loads, token_ok):
    med = {}
    for (topo, kind), runs in results.items():
        med[topo, kind] = {
            "per_s": statistics.median(r["per_s"] for r in runs),
            "p50": statistics.median(r["p50"] for r in runs),
            "p99": statistics.median(r["p99"] for r in runs),
            "failed": sum(r["failed"] for r in runs),
            "cpu_ms": {
                g: statistics.median(r["cpu_ms"][g] for r in runs) for g in GROUPS
            },
            "busy": statistics.median(
                r["cpu_s"]["machine"] / (r["wall"] * os.cpu_count()) for r in runs
            ),
            "all": [r["per_s"] for r in runs],
        }
    lines = [
        SECTION,
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by `python3 "
        f"bench/cluster_bench.py --requests {args.requests} --clients {args.clients} "
        f"--rounds {args.rounds} --keys {args.keys} --write` at {commit} on {os.cpu_count()} CPUs "
        f"(1-minute load average {loads[0]:.1f} before, {loads[1]:.1f} after: the "
        "machine is shared). Topology from `tests/live/cluster.py`: web nodes "
        f"`--workers={args.workers}` without job runner, one jobs node (queue_job's "
        "runner, 2 workers, the events' jobs), sessions in PostgreSQL, Debian's nginx "
        f"in front. Both nginx up for the whole run (one over web node 1, one over "
        f"both); {args.rounds} rounds, each: one node then two, {args.requests} "
        f"requests of each kind, {args.clients} concurrent clients (threads of this "
        "script on the same machine); the partner API with one key, then with "
        f"{args.keys} keys of the same partner (each key has its own per-minute rate "
        "counter, a row of `tc_partner_api_key`). Before each phase the jobs node "
        "first runs every job left (the events of the webhook phase before). "
        "Medians of the rounds.",
        "",
        "| route | 1 node req/s | 2 nodes req/s | 2 / 1 | 1 node: / health "
        "| 2 nodes: / health | p50 ms 1 / 2 | p99 ms 1 / 2 | failed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        one, two = med["1 node", kind], med["2 nodes", kind]
        h1, h2 = med["1 node", "GET /web/health"], med["2 nodes", "GET /web/health"]
        lines.append(
            f"| {kind} | {one['per_s']:.0f} | {two['per_s']:.0f} "
            f"| {two['per_s'] / one['per_s']:.2f}x "
            f"| {one['per_s'] / h1['per_s']:.0%} | {two['per_s'] / h2['per_s']:.0%} "
            f"| {one['p50']:.0f} / {two['p50']:.0f} | {one['p99']:.0f} / {two['p99']:.0f} "
            f"| {one['failed'] + two['failed']} |"
        )
    lines += [
        "",
        "Per round (req/s): "
        + "; ".join(
            f"{kind}: "
            f"1 node {', '.join(f'{x:.0f}' for x in med['1 node', kind]['all'])}, "
            f"2 nodes {', '.join(f'{x:.0f}' for x in med['2 nodes', kind]['all'])}"
            for kind in KINDS
        )
        + ".",
        "",
        "Where the CPU goes, ms of CPU per request (medians), and how busy the "
        "machine's cores were during the phase:",
        "",
        "| route | topology | web nodes | jobs node | PostgreSQL | nginx "
        "| load generator | whole machine | cores busy |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        for topo in ("1 node", "2 nodes"):
            m = med[topo, kind]
            c = m["cpu_ms"]
            lines.append(
                f"| {kind} | {topo} | {c['web nodes']:.2f} | {c['jobs node']:.2f} "
                f"| {c['PostgreSQL']:.2f} | {c['nginx']:.2f} | {c['this process']:.2f} "
                f"| {c['machine']:.2f} | {m['busy']:.0%} |"
            )
    lines += [
        "",
        "CPU from /proc: web nodes and jobs node = each Odoo server's process tree "
        "(master, workers, runner); PostgreSQL = the backends of the bench database "
        "and of `postgres` (Odoo's database listing) plus every backend that exited "
        "meanwhile (other users' of this shared server too); nginx = both nginx "
        "processes; load generator = this script; whole machine = every core's busy "
        "time (beyond the groups before it: other work on the machine). Cores busy = "
        "whole machine CPU / (wall time x cores).",
        "",
        f"Every request answered as expected: {token_ok}.",
        "",
    ]
    return "\n".join(lines)


def code_version():
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "addons", "bench",
         "tests/live"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    return f"`{head}`" + (" (+ uncommitted changes)" if dirty else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default="tc_bench_cluster")
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2, help="workers per web node")
    ap.add_argument(
        "--keys",
        type=int,
        default=8,
        help="partner keys for the N-keys partner phase (each its own rate counter)",
    )
    ap.add_argument("--ports", default=None, help="LO-HI: ports to take (shared host)")
    ap.add_argument("--workdir", default=None, help="logs and nginx config here")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    if not args.db.startswith("tc_b"):
        sys.exit("--db must start with tc_b (a bench database)")
    ports = tuple(int(p) for p in args.ports.split("-")) if args.ports else None
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="tc_cluster_bench."))
    cluster = topology.Cluster(
        args.db,
        workdir,
        web_nodes=2,
        web_workers=args.workers,
        env={"TC_WEBHOOK_SECRET": SECRET},
        port_range=ports,
        # the jobs node runs the event dispatcher (the webhook's events' jobs) and
        # no other cron during the bench
        only_crons=["tc_integrations.ir_cron_dispatch_events"],
    )
    tokens = prepare_db(cluster, args.keys)
    commit = code_version()
    # the one-node proxy: the launcher's nginx, rendered over web node 1 only
    single = topology.Nginx(
        SimpleNamespace(web=cluster.web[:1], workdir=workdir / "one-node"),
        cluster._port(),
    )
    loads = [os.getloadavg()[0]]
    results = {}
    cluster.start()
    try:
        single.start()
        bases = {
            "1 node": f"http://127.0.0.1:{single.port}",
            "2 nodes": cluster.base,
        }
        meter = bench_results.CpuMeter(
            {
                "web nodes": lambda: (
                    [
                        p
                        for n in cluster.web
                        for p in bench_results.process_tree(n.proc.pid)
                    ],
                    None,
                ),
                "jobs node": lambda: (
                    bench_results.process_tree(cluster.jobs.proc.pid),
                    None,
                ),
                "PostgreSQL": bench_results.postgres_group([args.db, "postgres"]),
                "nginx": lambda: (
                    bench_results.process_tree(single.proc.pid)
                    + bench_results.process_tree(cluster.nginx.proc.pid),
                    None,
                ),
            }
        )
        run_id = uuid.uuid4().hex[:8]
        for base in bases.values():  # warm every worker's caches
            for kind in KINDS:
                run_phase(kind, base, 100, 8, "w" + run_id, tokens, meter)
        for i in range(args.rounds):
            for topo, base in bases.items():
                for kind in KINDS:
                    waited = drain(args.db)
                    bench_results.log(
                        "round %d/%d, %s, %s (jobs drained in %.0f s)",
                        i + 1, args.rounds, topo, kind, waited,
                    )  # fmt: skip
                    r = run_phase(
                        kind, base, args.requests, args.clients, f"{run_id}-{i}-{topo[0]}",
                        tokens, meter,
                    )  # fmt: skip
                    bench_results.log(
                        "  %.0f req/s, %d failed, machine busy %.0f%%",
                        r["per_s"], r["failed"],
                        100 * r["cpu_s"]["machine"] / (r["wall"] * os.cpu_count()),
                    )  # fmt: skip
                    results.setdefault((topo, kind), []).append(r)
    finally:
        single.stop()
        cluster.stop()
    loads.append(os.getloadavg()[0])
    stored = psql(
        args.db,
        f"select count(*), count(distinct event_id) from tc_event "
        f"where event_id like 'cbench-{run_id}-%'",
    )
    failed = sum(r["failed"] for runs in results.values() for r in runs)
    expected = args.rounds * 2 * args.requests
    check = (
        f"{'yes' if failed == 0 else f'no, {failed} failed'}; events stored "
        f"(rows, distinct ids): {stored.replace('|', ', ')} of {expected} sent"
    )
    text = report(args, results, commit, loads, check)
    print(text)
    if args.write:
        bench_results.write_section(SECTION, text)
    if failed:
        sys.exit(f"{failed} requests failed")


if __name__ == "__main__":
    main()
