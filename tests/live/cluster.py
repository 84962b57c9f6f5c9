"""The production topology of TC Ops on one machine, without Docker: the launcher
that tests/live and the benchmarks (bench/) start. No pytest in here.

What it starts (docker-compose.yml has the same parts as services):

- ``web`` nodes (two by default): Odoo prefork HTTP nodes (``--workers``), each on its
  own HTTP and gevent port and with its OWN ``data_dir``; ``--max-cron-threads=0`` and
  no queue_job runner (``--load`` without ``queue_job``); sessions in PostgreSQL (OCA
  ``session_db``, ``SESSION_DB_URI``), attachments in the shared storage (OCA
  ``fs_attachment``, a directory through fs_storage's ``file`` protocol here, S3 in
  production): whatever one node writes, another reads from the database or the
  storage, never from its own disk;
- one ``jobs`` node: Odoo with queue_job server-wide (its runner, which elects itself
  master with a PostgreSQL advisory lock) and the cron threads; the runner sends the
  jobs to this node's own HTTP workers, so jobs never run on a web node;
- Debian's ``nginx`` as a child process (``daemon off``) with a config generated in
  the work folder around ``docker/nginx/tcops-locations.conf`` (the same locations
  as in compose): round robin over the web nodes, ``/websocket`` to their gevent ports;
- the existing local PostgreSQL (socket, current user) and database ``db``.

``only_crons`` (xmlids): the crons the jobs nodes may run while the cluster runs;
every other active cron is archived at start and restored at stop (a test's
before/after comparisons must not see the demo's scheduled work; the event
dispatcher, which the webhook path needs, is one to keep).

Every process is started in its own session (process group), so ``Node.kill9()``
ends a node the way a lost machine ends: master, workers and runner at once.

    cluster = Cluster("tc_live_db", Path("/tmp/work"), env={"TC_WEBHOOK_SECRET": ...})
    cluster.prepare()     # installs fs_attachment, configures and migrates storage
    cluster.start()
    cluster.base          # http://127.0.0.1:<nginx port>
    cluster.web[0].kill9(); cluster.web[0].start()
    cluster.stop()
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
LOCATIONS = ROOT / "docker" / "nginx" / "tcops-locations.conf"
# no queue_job and nothing that imports it at start: importing queue_job patches
# Odoo's prefork server to spawn a runner (its jobrunner module), so a web node loads
# tc_integrations with its registry (the log correlation is then set up there);
# the jobs node loads it server-wide after queue_job
WEB_MODULES = "base,web,session_db"
JOBS_MODULES = "base,web,session_db,queue_job,tc_integrations"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# Odoo is started through a script file of ours (Odoo's own odoo-bin, which pip's
# editable install does not put on the PATH), not ``python -m odoo``: a prefork
# master starts its gevent (websocket) process as ``python argv[0] gevent ...``;
# with ``-m odoo`` argv[0] is odoo/__main__.py, whose relative import fails, and the
# master respawns that failing process every second for as long as it runs.
ODOO_BIN = """#!/usr/bin/env python3
# written by tests/live/cluster.py: Odoo's odoo-bin
__import__("os").environ["TZ"] = "UTC"
import odoo

if __name__ == "__main__":
    odoo.cli.main()
"""


class ClusterError(RuntimeError):
    pass


def free_port(taken=(), port_range=None):
    """A TCP port free on 127.0.0.1: from ``port_range`` (lo, hi) when given (a
    shared machine's allotted range), else one the kernel picks."""
    candidates = range(port_range[0], port_range[1] + 1) if port_range else [0]
    for port in candidates:
        if port in taken:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise ClusterError(f"no free port in {port_range}")


def _kill_group(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


class Node:
    """One Odoo server (a web node or the jobs node): start, health, SIGKILL."""

    def __init__(self, cluster, name, role, http_port, gevent_port, args=(), env=None):
        self.cluster = cluster
        self.name = name
        self.role = role
        self.http_port = http_port
        self.gevent_port = gevent_port
        self.data_dir = cluster.workdir / name / "data"
        self.log = cluster.workdir / name / "odoo.log"
        self.extra_args = list(args)
        self.extra_env = dict(env or {})
        self.proc = None
        self.starts = 0
        self.data_dir.mkdir(parents=True, exist_ok=True)

    @property
    def base(self):
        return f"http://127.0.0.1:{self.http_port}"

    def command(self):
        c = self.cluster
        modules = JOBS_MODULES if self.role == "jobs" else WEB_MODULES
        crons = c.jobs_crons if self.role == "jobs" else 0
        workers = c.jobs_workers if self.role == "jobs" else c.web_workers
        return [
            *c.odoo_cmd, "-c", str(c.odoo_conf),
            # the one database, as in compose: Odoo serves it to requests without
            # a session and lists no databases (no --db-filter)
            "-d", c.db,
            f"--load={modules}",
            f"--workers={workers}",
            f"--max-cron-threads={crons}",
            f"--http-port={self.http_port}",
            f"--gevent-port={self.gevent_port}",
            "--http-interface=127.0.0.1",
            f"--data-dir={self.data_dir}",
            "--proxy-mode",
            "--limit-time-real=300",
            "--log-level=warn",
            # an event's path (webhook, job, handler) in the logs, by correlation id
            "--log-handler=odoo.addons.tc_integrations:INFO",
            # a request Odoo retries after a serialization failure says so
            "--log-handler=odoo.service.model:INFO",
            *self.extra_args,
        ]  # fmt: skip

    def start(self, wait=True):
        env = dict(
            os.environ,
            SESSION_DB_URI=f"postgresql:///{self.cluster.db}",
            **self.cluster.env,
            **self.extra_env,
        )
        with self.log.open("a") as out:
            out.write(f"\n=== tests/live/cluster.py: start #{self.starts + 1}\n")
            out.flush()
            self.proc = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill9() ends all
            )
        self.starts += 1
        if wait:
            self.wait_healthy()
        return self

    def healthy(self):
        """/web/health answers, and the gevent (websocket) process listens."""
        try:
            if not requests.get(self.base + "/web/health", timeout=2).ok:
                return False
        except requests.RequestException:
            return False
        with socket.socket() as sock:
            sock.settimeout(2)
            return sock.connect_ex(("127.0.0.1", self.gevent_port)) == 0

    def wait_healthy(self, timeout=120):
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise ClusterError(
                    f"{self.name} did not start:\n{self.log.read_text()[-3000:]}"
                )
            time.sleep(0.3)

    def pids(self):
        """The node's processes (master, workers, job runner): its process group."""
        out = subprocess.run(
            ["ps", "-o", "pid=,args=", "-g", str(self.proc.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        return [line.strip().split(None, 1) for line in out.splitlines() if line]

    def kill9(self):
        """SIGKILL to every process of the node at once (a lost machine)."""
        _kill_group(self.proc, signal.SIGKILL)
        self.proc.wait(30)
        # the group's last process may outlive the master by a moment
        deadline = time.monotonic() + 10
        while self._group_alive() and time.monotonic() < deadline:
            time.sleep(0.1)

    def _group_alive(self):
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)  # the master stops its children
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            _kill_group(self.proc, signal.SIGKILL)
            self.proc.wait(10)


class Nginx:
    """Debian's nginx as a child: generated config, ``daemon off``, logs in files."""

    def __init__(self, cluster, port):
        self.cluster = cluster
        self.port = port
        self.dir = cluster.workdir / "nginx"
        self.conf = self.dir / "nginx.conf"
        self.error_log = self.dir / "error.log"
        self.access_log = self.dir / "access.log"
        self.proc = None
        # request bodies over 16 KiB are buffered here by nginx's workers, which run
        # as an unprivileged user when the master is root: a folder of its own in
        # the system temp dir, not under the work folder (pytest's are 0700)
        self.tmp = Path(tempfile.mkdtemp(prefix="tc_nginx_"))
        self.tmp.chmod(0o755)

    def render(self):
        web = self.cluster.web
        servers = "\n".join(
            f"        server 127.0.0.1:{n.http_port} max_fails=1 fail_timeout=2s;"
            for n in web
        )
        websockets = "\n".join(
            f"        server 127.0.0.1:{n.gevent_port} max_fails=1 fail_timeout=2s;"
            for n in web
        )
        tmp = self.tmp
        return f"""# generated by tests/live/cluster.py
daemon off;
worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.error_log} warn;
events {{ worker_connections 1024; }}
http {{
    access_log {self.access_log};
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream tc_web {{
{servers}
        keepalive 32;
    }}
    upstream tc_websocket {{
{websockets}
    }}
    server {{
        listen 127.0.0.1:{self.port};
        include {LOCATIONS};
    }}
}}
"""

    def start(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(self.render())
        check = subprocess.run(
            [NGINX, "-t", "-p", str(self.dir), "-c", str(self.conf)],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode:
            raise ClusterError("nginx config refused:\n" + check.stderr)
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(self.dir), "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=(self.dir / "stderr.log").open("w"),
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(base + "/web/health", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise ClusterError("nginx did not start: " + self.errors())
            time.sleep(0.2)

    def errors(self):
        return self.error_log.read_text() if self.error_log.exists() else ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            _kill_group(self.proc, signal.SIGQUIT)  # graceful shutdown
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                _kill_group(self.proc, signal.SIGKILL)
                self.proc.wait(5)
        shutil.rmtree(self.tmp, ignore_errors=True)


class Cluster:
    """``web_nodes`` HTTP nodes + one jobs node + nginx on database ``db``.

    ``env``: environment of every node (TC settings such as TC_WEBHOOK_SECRET);
    ``port_range``: (lo, hi) to take ports from on a shared machine;
    ``shared_dir``: the attachment storage (default: ``workdir/attachments``)."""

    def __init__(
        self,
        db,
        workdir,
        web_nodes=2,
        web_workers=2,
        jobs_workers=2,
        jobs_crons=1,
        env=None,
        port_range=None,
        shared_dir=None,
        odoo_conf=ROOT / "odoo.conf",
        only_crons=None,
    ):
        self.db = db
        self.only_crons = None if only_crons is None else list(only_crons)
        self.paused_crons = []
        self.started_at = None
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.web_workers = web_workers
        self.jobs_workers = jobs_workers
        self.jobs_crons = jobs_crons
        self.env = dict(env or {})
        self.port_range = port_range
        self.shared_dir = Path(shared_dir or self.workdir / "attachments")
        self.odoo_conf = Path(odoo_conf)
        self._taken = set()
        odoo_bin = self.workdir / "odoo-bin"
        odoo_bin.write_text(ODOO_BIN)
        self.odoo_cmd = [sys.executable, str(odoo_bin)]
        self.web = [
            Node(self, f"web{n + 1}", "web", self._port(), self._port())
            for n in range(web_nodes)
        ]
        self.jobs = Node(
            self,
            "jobs",
            "jobs",
            self._port(),
            self._port(),
            args=["--log-handler=odoo.addons.queue_job.jobrunner.runner:INFO"],
        )
        self.extra_jobs = []
        self.nginx = Nginx(self, self._port())

    def _port(self):
        port = free_port(self._taken, self.port_range)
        self._taken.add(port)
        return port

    @property
    def base(self):
        return f"http://127.0.0.1:{self.nginx.port}"

    @property
    def nodes(self):
        return [*self.web, self.jobs, *self.extra_jobs]

    # -- the database ------------------------------------------------------------------
    def _odoo(self, *args, **kw):
        return subprocess.run(
            [*self.odoo_cmd, "-c", str(self.odoo_conf), "-d", self.db,
             "--data-dir", str(self.workdir / "setup-data"), *args],
            cwd=ROOT, capture_output=True, text=True, check=False, **kw,
        )  # fmt: skip

    def _installed(self, module):
        return self._psql(
            f"SELECT state FROM ir_module_module WHERE name = '{module}'"
        ) == ["installed"]

    def prepare(self, migrate_from=None):
        """Make the database ready for many nodes (idempotent): install
        fs_attachment, point its default storage at ``shared_dir`` and move the
        attachments still in the local filestore there (fs_attachment's own
        migration). ``migrate_from``: the data_dir whose filestore holds this
        database's files (the one it was installed with); default Odoo's."""
        if not self._installed("fs_attachment"):
            done = self._odoo(
                "-i", "fs_attachment", "--stop-after-init", "--no-http",
                "--max-cron-threads=0", "--log-level=warn",
            )  # fmt: skip
            if done.returncode or not self._installed("fs_attachment"):
                raise ClusterError("installing fs_attachment failed:\n" + done.stdout)
        data_dir = ["--data-dir", str(migrate_from)] if migrate_from else []
        done = subprocess.run(
            [*self.odoo_cmd, "shell", "-c", str(self.odoo_conf),
             "-d", self.db, *data_dir, "--no-http", "--log-level=warn"],
            cwd=ROOT,
            input=(ROOT / "scripts" / "attachment_storage.py").read_text(),
            env=dict(os.environ, TC_FS_PROTOCOL="file",
                     TC_FS_DIRECTORY=str(self.shared_dir)),
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode or "attachment_storage: after" not in done.stdout:
            raise ClusterError(
                "configuring the attachment storage failed:\n"
                + done.stdout[-3000:]
                + done.stderr[-3000:]
            )
        return done.stdout

    def _psql(self, sql):
        done = subprocess.run(
            ["psql", "-d", self.db, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise ClusterError(f"psql failed: {done.stderr}")
        return [line for line in done.stdout.splitlines() if line]

    def _pause_crons(self):
        """Archive every active cron but ``only_crons`` (restored at stop)."""
        if self.only_crons is None:
            return
        keep = ",".join("'%s'" % x.replace("'", "") for x in self.only_crons)
        self.paused_crons = self._psql(
            "UPDATE ir_cron SET active = false WHERE active AND id NOT IN ("
            " SELECT res_id FROM ir_model_data WHERE model = 'ir.cron'"
            f" AND module || '.' || name IN ({keep})) RETURNING id"
        )

    def _restore_crons(self):
        if self.paused_crons:
            ids = ",".join(str(int(i)) for i in self.paused_crons)
            self._psql(f"UPDATE ir_cron SET active = true WHERE id IN ({ids})")
            self.paused_crons = []

    # -- processes ---------------------------------------------------------------------
    def start(self):
        # the database's clock: what the cluster's nodes stored since
        self.started_at = self._psql("SELECT now() at time zone 'UTC'")[0]
        try:
            self._pause_crons()
            self.jobs.start(wait=False)
            for node in self.web:
                node.start(wait=False)
            for node in [*self.web, self.jobs]:
                node.wait_healthy()
            self.nginx.start()
        except BaseException:
            self.stop()
            raise
        return self

    def start_extra_jobs(self, name="jobs-2"):
        """A second jobs node started by mistake: same modules and crons as the
        first; its runner logs at DEBUG so that a lost master election shows."""
        node = Node(
            self,
            name,
            "jobs",
            self._port(),
            self._port(),
            args=["--log-handler=odoo.addons.queue_job.jobrunner.runner:DEBUG"],
        )
        self.extra_jobs.append(node)
        return node.start()

    def stop(self):
        self.nginx.stop()
        for node in self.nodes:
            node.stop()
        self._restore_crons()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
