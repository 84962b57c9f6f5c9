"""Exactly once on the production topology, with every node killed mid-run.

The cluster of tests/live/cluster.py, started by the ``server`` fixture of
tests/live/conftest.py on the database named by ``TC_LIVE_DB`` (scripts/test passes
the demo test database, with the five addons installed): two web nodes (prefork,
``--workers=2``, own data_dir each, no crons, no job runner), one jobs node (queue_job's
runner and the crons) and nginx in front.

- 5,000 signed deliveries (Standard Webhooks, the PyPI ``standardwebhooks``
  library), 10 % of them duplicates, in shuffled order, from 16 concurrent senders
  that retry like a webhook sender does (connection error or 5xx: send again), all
  through nginx. Each web node in turn is killed with SIGKILL (its whole process
  group: master and workers) and restarted while they arrive; a worker of the jobs
  node is killed while it runs an event job, and a second jobs node is started by
  mistake. The end state must show every distinct event processed exactly once: one
  ``tc.event`` per id, each in a final state with no failed attempt, one order
  review per ``OrderNeedsReview`` event, one job per event, all done, every one
  asked for by the first runner and none by the second, which never became master.
  The web nodes only store the events; the jobs nodes' event dispatcher (a cron,
  run by both jobs nodes once the second is up) queues one job per event: the
  events it queued, counted from both nodes' logs, add up to the events stored.
- A portal session and a partner key work on both nodes, also after the nodes were
  killed (sessions and rate counts live in PostgreSQL); an attachment uploaded
  through one node is downloaded through the other (shared storage, no node's
  data_dir holds it).
- One partner key's concurrent calls through both nodes are counted exactly and
  none waits on another's transaction: no request is retried after a
  serialization failure (its rate count is taken in its own short transaction).

Only runs where ``TC_LIVE_DB`` is set (tests/conftest.py leaves it out otherwise).
"""

import base64
import concurrent.futures
import http.client
import json
import os
import random
import re
import signal
import threading
import time
from datetime import datetime, timezone

import psycopg2
import pytest
import requests
from standardwebhooks.webhooks import Webhook

DB = os.environ.get("TC_LIVE_DB", "")
DISTINCT = 4500
DUPLICATES = 500
REVIEW_EVERY = 10  # one distinct event in ten is an OrderNeedsReview
SENDERS = 16
RUN = "%x" % int(time.time())
PORTAL_LOGIN = "tc_portal_ana_demo"  # demo portal user (password = login)


def _payload(n):
    event_id = f"live-{RUN}-{n:05d}"
    if n % REVIEW_EVERY == 0:
        return event_id, {
            "id": event_id,
            "type": "OrderNeedsReview",
            "correlation_id": f"corr-{event_id}",
            "data": {
                "order_id": f"LIVE-{RUN}-{n:05d}",
                "requested_plan": "Fiber 500",
                "reasons": ["coverage"],
                "customer": {"ref": f"LIVE-C-{n % 50}", "name": f"Live {n % 50}"},
            },
        }
    return event_id, {
        "id": event_id,
        "type": "LivePing",  # unknown type: kept as "ignored" by its job
        "correlation_id": f"corr-{event_id}",
        "data": {"n": n},
    }


def _deliver(session, base, webhook, payload, tries=30):
    body = json.dumps(payload)
    msg_id = "msg_" + payload["id"]
    for _attempt in range(tries):
        now = datetime.now(tz=timezone.utc)
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": webhook.sign(msg_id, now, body),
        }
        try:
            response = session.post(
                base + "/tc/webhooks/events", data=body, headers=headers, timeout=30
            )
        except requests.RequestException:
            time.sleep(0.5)  # worker killed under the request: send again
            continue
        if response.status_code < 500:
            return response.status_code
        time.sleep(0.5)
    return None


def _db():
    return psycopg2.connect(dbname=DB)


def _progress():
    with _db() as conn, conn.cursor() as cr:
        cr.execute(
            """
            SELECT count(*) FILTER (WHERE state IN ('done', 'ignored')),
                   count(*) FILTER (WHERE state = 'failed'),
                   count(*)
              FROM tc_event WHERE event_id LIKE %s
            """,
            [f"live-{RUN}-%"],
        )
        return cr.fetchone()


class Login:
    """A browser-like session of one user: logged in once, its cookie then sent to
    any node (cookies are per host, not per port)."""

    def __init__(self, base, login, password):
        self.session = requests.Session()
        self.uid = self.rpc(
            base,
            "/web/session/authenticate",
            {"db": DB, "login": login, "password": password},
        )["uid"]

    def rpc(self, base, path, params):
        response = self.session.post(
            base + path,
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
            timeout=60,
        )
        body = response.json()
        assert "error" not in body, body["error"]
        return body["result"]

    def call(self, base, model, method, *args, **kwargs):
        return self.rpc(
            base,
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


def _partner_call(base, token):
    return requests.post(
        base + "/tc/partner/jsonrpc",
        json={"jsonrpc": "2.0", "id": 1, "method": "reconciliation.mismatches"},
        headers={"Authorization": "Bearer " + token},
        timeout=30,
    )


@pytest.fixture(scope="module")
def portal(server):
    """The demo portal user, logged in through the first web node only."""
    return Login(server.cluster.web[0].base, PORTAL_LOGIN, PORTAL_LOGIN)


@pytest.fixture(scope="module")
def admin(server):
    return Login(server.cluster.web[0].base, "admin", "admin")


@pytest.fixture(scope="module")
def partner_token(server, admin):
    """A partner API key made by the admin on the first node (6 calls a minute)."""
    base = server.cluster.web[0].base
    partner = admin.call(
        base, "res.partner", "create", {"name": f"Live partner {RUN}", "ref": RUN}
    )
    key = admin.call(
        base,
        "tc.partner.api.key",
        "create",
        {"name": "live", "partner_id": partner, "rate_limit": 6},
    )
    shown = admin.call(base, "tc.partner.api.key", "action_generate", [key])
    return re.search(r"tcp_[A-Za-z0-9]+_[A-Za-z0-9_-]+", str(shown)).group(0)


def _session_on_every_node(server, portal):
    """The portal session made on node 1 answers on every node directly."""
    for node in server.cluster.web:
        info = portal.rpc(node.base, "/web/session/get_session_info", {})
        assert info["uid"] == portal.uid, (node.name, info.get("uid"))
        page = portal.session.get(node.base + "/my", allow_redirects=False, timeout=30)
        assert page.status_code == 200, (node.name, page.status_code)


def _key_on_every_node(server, token):
    """The key answers on every node; its limit is one count over all nodes."""
    if time.time() % 60 > 50:  # the 7 calls inside one rate window
        time.sleep(61 - time.time() % 60)
    statuses = [
        _partner_call(node.base, token).status_code
        for node in server.cluster.web
        for _n in range(3)
    ]
    assert statuses == [200] * 6, statuses
    # 3 + 3 calls spent the key's 6: a seventh is refused, on either node
    assert _partner_call(server.cluster.web[0].base, token).status_code == 429


def test_session_and_partner_key_work_on_every_node(server, portal, partner_token):
    _session_on_every_node(server, portal)
    _key_on_every_node(server, partner_token)


def _same_file_in(folder, content):
    return any(
        p.is_file() and p.stat().st_size == len(content) and p.read_bytes() == content
        for p in folder.rglob("*")
    )


def test_attachment_uploaded_on_one_node_downloads_on_the_other(server, admin):
    first, second = server.cluster.web[:2]
    content = random.Random(RUN).randbytes(100_000)
    attachment = admin.call(
        first.base,
        "ir.attachment",
        "create",
        {
            "name": f"live-{RUN}.bin",
            "datas": base64.b64encode(content).decode(),
            "mimetype": "application/octet-stream",
        },
    )
    response = admin.session.get(
        f"{second.base}/web/content/{attachment}?download=true", timeout=30
    )
    assert response.status_code == 200 and response.content == content
    with _db() as conn, conn.cursor() as cr:
        cr.execute("SELECT store_fname FROM ir_attachment WHERE id = %s", [attachment])
        fname = cr.fetchone()[0]
    # in the shared storage, in no node's own data_dir
    assert fname.startswith("tcfs://"), fname
    assert _same_file_in(server.cluster.shared_dir, content), fname
    for node in server.cluster.nodes:
        assert not _same_file_in(node.data_dir, content), node.name


def test_proxy_refuses_a_webhook_over_the_limit_and_upgrades_websockets(server):
    """nginx answers 413 to a webhook body over the controller's limit without a
    node reading it, and hands /websocket to a node's gevent process (101)."""
    body = b"{" + b" " * (256 * 1024) + b"}"
    response = requests.post(
        server.base + "/tc/webhooks/events",
        data=body,
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413, response.status_code
    assert "too large body" in server.cluster.nginx.errors()
    host, port = server.base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request(
        "GET",
        "/websocket",
        headers={
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
            "Sec-WebSocket-Version": "13",
            "Origin": server.base,
        },
    )
    status = conn.getresponse().status
    conn.close()
    assert status == 101, status


def _running_job(pids):
    """(worker pid, job uuid) of an event job running right now in one of ``pids``."""
    with _db() as conn, conn.cursor() as cr:
        cr.execute(
            "SELECT worker_pid, uuid FROM queue_job WHERE state = 'started'"
            " AND model_name = 'tc.event' AND worker_pid = ANY(%s)",
            [pids],
        )
        return cr.fetchone()


class Chaos(threading.Thread):
    """What goes wrong during the run, in order, each step once its moment came:
    web node 1 killed (SIGKILL) and restarted at 20 % of the deliveries, web node 2
    at 50 %; a second jobs node started by mistake; a jobs-node worker killed while
    it runs an event job once 40 % of the events are processed."""

    def __init__(self, cluster, sent, total):
        super().__init__(daemon=True)
        self.cluster, self.sent, self.total = cluster, sent, total
        self.stop = threading.Event()
        self.done = []  # what happened, in order
        self.killed_jobs = []  # (uuid, events processed then)
        self.error = None

    def _wait(self, condition):
        while not self.stop.is_set() and not condition():
            self.stop.wait(0.05)
        return not self.stop.is_set()

    def run(self):
        try:
            for node, share in zip(self.cluster.web, (0.2, 0.5), strict=False):
                if not self._wait(lambda s=share: self.sent[0] >= s * self.total):
                    return
                node.kill9()
                self.done.append(f"{node.name} killed at {self.sent[0]} deliveries")
                node.start()
                self.done.append(f"{node.name} back at {self.sent[0]} deliveries")
            self.cluster.start_extra_jobs()
            self.done.append("second jobs node started")
            jobs = self.cluster.jobs
            if not self._wait(lambda: _progress()[0] >= 0.4 * DISTINCT):
                return
            while not self.stop.is_set() and not self.killed_jobs:
                workers = [
                    int(pid)
                    for pid, args in jobs.pids()
                    if int(pid) != jobs.proc.pid and "jobrunner" not in args
                ]
                running = workers and _running_job(workers)
                if running:
                    os.kill(running[0], signal.SIGKILL)
                    self.killed_jobs.append((running[1], _progress()[0]))
                    self.done.append(f"jobs worker {running[0]} killed in a job")
                self.stop.wait(0.05)
        except Exception as exc:  # reported by the test
            self.error = exc


def test_5000_deliveries_with_every_node_killed_are_processed_once(
    server, portal, partner_token
):
    cluster, base = server.cluster, server.base
    rng = random.Random(7)
    distinct = [_payload(n) for n in range(DISTINCT)]
    deliveries = [p for _id, p in distinct] + [
        p for _id, p in rng.sample(distinct, DUPLICATES)
    ]
    rng.shuffle(deliveries)
    sent = [0]
    lock = threading.Lock()
    chaos = Chaos(cluster, sent, len(deliveries))
    chaos.start()
    webhook = Webhook(server.secret)
    sessions = [requests.Session() for _ in range(SENDERS)]

    def deliver(item):
        status = _deliver(sessions[item[0] % SENDERS], base, webhook, item[1])
        with lock:
            sent[0] += 1
        return status

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(SENDERS) as pool:
        statuses = list(pool.map(deliver, enumerate(deliveries)))
    delivered_in = time.monotonic() - started
    assert set(statuses) <= {202, 200}, {s: statuses.count(s) for s in set(statuses)}

    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        final, failed, total = _progress()
        if final + failed >= DISTINCT and not chaos.is_alive():
            break
        if final + failed >= DISTINCT and chaos.killed_jobs:
            break
        if cluster.jobs.proc.poll() is not None:
            pytest.fail("the jobs node stopped:\n" + server.log.read_text()[-3000:])
        time.sleep(1)
    chaos.stop.set()
    chaos.join(30)
    processed_in = time.monotonic() - started
    assert chaos.error is None, chaos.error
    final, failed, total = _progress()
    assert all(node.starts == 2 for node in cluster.web), chaos.done
    assert total == DISTINCT, f"{total} events stored for {DISTINCT} distinct ids"
    assert failed == 0 and final == DISTINCT, (
        final,
        failed,
        server.log.read_text()[-3000:],
    )

    with _db() as conn, conn.cursor() as cr:
        # processed once: no event needed a second attempt, one order review per
        # OrderNeedsReview event
        cr.execute(
            "SELECT count(*) FROM tc_event WHERE event_id LIKE %s AND attempts > 0",
            [f"live-{RUN}-%"],
        )
        assert cr.fetchone()[0] == 0
        cr.execute(
            "SELECT count(*), count(DISTINCT order_ref) FROM tc_order_review"
            " WHERE order_ref LIKE %s",
            [f"LIVE-{RUN}-%"],
        )
        reviews, distinct_orders = cr.fetchone()
        assert reviews == distinct_orders == DISTINCT // REVIEW_EVERY
        cr.execute(
            """
            SELECT q.uuid, q.state, q.retry FROM queue_job q
              JOIN tc_event e ON q.identity_key = 'tc.event:' || e.id
             WHERE e.event_id LIKE %s
            """,
            [f"live-{RUN}-%"],
        )
        jobs = {uuid: (state, retry) for uuid, state, retry in cr.fetchall()}
    # one job per stored event, all done
    states = {state for state, _retry in jobs.values()}
    assert states == {"done"} and len(jobs) == DISTINCT, states
    # the job whose worker was killed under it: re-queued by the runner, run
    # again, done (queue_job counts a started attempt in ``retry``)
    interrupted = [jobs[uuid] for uuid, _done in chaos.killed_jobs]
    assert chaos.killed_jobs and all(s == "done" for s, _r in interrupted), chaos.done

    # one runner at a time: every job was dispatched by a runner, the second jobs
    # node lost the master election (it waited), and no job was dispatched by both
    # (a runner takes over only when the other one is gone: queue_job recycles its
    # runner process, whose advisory lock then frees; the killed job, re-queued,
    # may be dispatched again by either)
    pattern = r"asking Odoo to run job (\S+) on db"
    second = cluster.extra_jobs[0]
    second_log = second.log.read_text()
    asked_first = set(re.findall(pattern, server.log.read_text()))
    asked_second = set(re.findall(pattern, second_log))
    assert set(jobs) <= asked_first | asked_second
    assert second.proc.poll() is None, second_log[-3000:]
    assert "master election lost" in second_log, second_log[-3000:]
    killed = {uuid for uuid, _done in chaos.killed_jobs}
    assert not (asked_first & asked_second) - killed
    # the event dispatcher (a cron of both jobs nodes): every event of the run got
    # its job from it, and no event was queued by two runs (on one node or two):
    # the counts it logged on both nodes add up to the events stored by webhook
    # while the cluster ran (the security layer's included)
    queued = r"event dispatcher: queued the jobs of (\d+) events"
    by_node = [
        sum(map(int, re.findall(queued, log)))
        for log in (server.log.read_text(), second_log)
    ]
    with _db() as conn, conn.cursor() as cr:
        cr.execute(
            "SELECT count(*) FILTER (WHERE event_id LIKE %s AND awaiting_job),"
            " count(*) FILTER (WHERE source = 'webhook' AND create_date >= %s)"
            " FROM tc_event",
            [f"live-{RUN}-%", cluster.started_at],
        )
        waiting, stored_since_start = cr.fetchone()
    assert waiting == 0
    assert sum(by_node) == stored_since_start, (by_node, stored_since_start)
    # one correlation id greps to the event's whole path across the nodes' logs:
    # stored by the web node that took the delivery, answered, then the job on the
    # jobs node and its handler (docs/architecture.md, traceable logs)
    correlation = distinct[0][1]["correlation_id"]
    logs = [node.log for node in (*cluster.web, cluster.jobs)]
    path = [
        line
        for log in logs
        for line in log.read_text(errors="replace").splitlines()
        if f"correlation_id={correlation}" in line
    ]
    for step in ("stored from webhook", "webhook answered", "job started", "handled"):
        assert any(step in line for line in path), (step, path)

    print(
        f"\n{DISTINCT} distinct events from {len(deliveries)} deliveries through "
        f"nginx in {delivered_in:.0f} s, all processed after {processed_in:.0f} s; "
        f"{'; '.join(chaos.done)}; killed job (state, attempts): {interrupted}; "
        f"jobs dispatched by the second jobs node: {len(asked_second)}; "
        f"events queued by the dispatcher on the first / second jobs node: "
        f"{by_node[0]} / {by_node[1]}; "
        f"jobs with more than one attempt: "
        f"{sum(1 for _s, r in jobs.values() if r > 1)}"
    )


def test_session_and_partner_key_still_work_after_the_kills(
    server, portal, partner_token
):
    """Both web nodes were killed and restarted: the session made before and the
    key still work on both (they live in PostgreSQL, not in a node)."""
    _session_on_every_node(server, portal)
    _key_on_every_node(server, partner_token)


def test_one_key_s_concurrent_calls_are_counted_without_waiting(server, admin):
    """40 calls of one partner key from 8 senders through nginx (both web nodes):
    each answered, each counted once, and no request was retried by Odoo after a
    serialization failure (a count taken in the request's transaction held the
    key's row until the request committed: concurrent calls of one key failed
    and were retried, bench/RESULTS.md)."""
    base = server.cluster.web[0].base
    partner = admin.call(
        base, "res.partner", "create", {"name": f"Busy partner {RUN}", "ref": "B" + RUN}
    )
    key = admin.call(
        base,
        "tc.partner.api.key",
        "create",
        {"name": "busy", "partner_id": partner, "rate_limit": 1000},
    )
    shown = admin.call(base, "tc.partner.api.key", "action_generate", [key])
    token = re.search(r"tcp_[A-Za-z0-9]+_[A-Za-z0-9_-]+", str(shown)).group(0)
    logs = [node.log for node in server.cluster.web]
    before = [len(log.read_text(errors="replace")) for log in logs]
    if time.time() % 60 > 40:  # the 40 calls inside one rate window
        time.sleep(61 - time.time() % 60)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(
                lambda _n: _partner_call(server.base, token).status_code, range(40)
            )
        )
    assert statuses == [200] * 40, statuses
    with _db() as conn, conn.cursor() as cr:
        cr.execute("SELECT rate_count FROM tc_partner_api_key WHERE id = %s", [key])
        assert cr.fetchone()[0] == 40
    retried = [
        line
        for log, start in zip(logs, before, strict=True)
        for line in log.read_text(errors="replace")[start:].splitlines()
        if "tries left" in line or "maximum number of tries" in line
    ]
    assert not retried, retried[:5]
