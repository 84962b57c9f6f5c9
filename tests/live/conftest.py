"""The running TC Ops that the live layers share (tests/live, tests/security).

The production topology on one machine (tests/live/cluster.py): two Odoo web nodes
(``--workers=2`` each, no cron threads, no job runner, each with its own data_dir,
sessions in PostgreSQL through OCA session_db, attachments in a shared storage
through OCA fs_attachment), one jobs node (queue_job's runner and the event dispatcher's cron) and
Debian's nginx in front, on the database named by ``TC_LIVE_DB``, with a webhook
secret, a partner-JWT gateway (a JWKS file, issuer, audience) and an API token
configured. Before it starts, the database gets fs_attachment and its existing
filestore is migrated into the shared storage (scripts/attachment_storage.py). It
starts once per pytest session, whichever layer asks first, and stops at the end
of the session: tests/security loads this file too (``tests/security/conftest.py``),
and both fixtures hand out the same cluster (kept on the pytest config). ``base``
is nginx's address.

Only collected where ``TC_LIVE_DB`` is set (tests/conftest.py).
"""

import base64
import importlib.util
import json
import os
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
DB = os.environ.get("TC_LIVE_DB", "")
SECRET = "whsec_" + base64.b64encode(b"tc-ops-live-exactly-once-secret!").decode()
# set so that the security layer can look for it in every answer; no API base URL
# is configured, so nothing is ever sent with it
API_TOKEN = "tc-live-api-token-never-leaves-the-server"
JWT_ISSUER = "https://gateway.tc-live.test/"
JWT_AUDIENCE = "tc-ops-partner-api"

# the launcher, loaded by path: this file is loaded under two module names
# (tests/security loads it too) and tests/live is not a package
_spec = importlib.util.spec_from_file_location(
    "tc_live_cluster", Path(__file__).with_name("cluster.py")
)
_cluster = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_cluster)
Cluster, ClusterError = _cluster.Cluster, _cluster.ClusterError


class Server(NamedTuple):
    cluster: Cluster  # web nodes, jobs node, nginx (tests/live/cluster.py)
    base: str  # nginx
    log: Path  # the jobs node's log
    secret: str
    db: str
    jwt: dict  # issuer, audience, kid, key (PEM of the gateway's signing key)
    api_token: str


def _b64(number):
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _gateway(folder):
    """An API gateway's RSA signing key and its JWKS file (partner JWTs)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()
    jwks = folder / "jwks.json"
    jwks.write_text(
        json.dumps(
            {
                "keys": [
                    {
                        "kty": "RSA",
                        "kid": "tc-live",
                        "use": "sig",
                        "alg": "RS256",
                        "n": _b64(numbers.n),
                        "e": _b64(numbers.e),
                    }
                ]
            }
        )
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return jwks, {
        "issuer": JWT_ISSUER,
        "audience": JWT_AUDIENCE,
        "kid": "tc-live",
        "key": pem,
    }


def _start(folder):
    jwks, jwt = _gateway(folder)
    env = {
        "TC_WEBHOOK_SECRET": SECRET,
        "TC_API_TOKEN": API_TOKEN,
        "TC_PARTNER_JWKS": str(jwks),
        "TC_PARTNER_JWT_ISSUER": JWT_ISSUER,
        "TC_PARTNER_JWT_AUDIENCE": JWT_AUDIENCE,
    }
    ports = os.environ.get("TC_LIVE_PORTS")  # "lo-hi" on a shared machine
    port_range = tuple(int(p) for p in ports.split("-")) if ports else None
    # the shared storage outlives the session: a rerun on the same database reads
    # the files the previous one moved there
    shared = Path(tempfile.gettempdir()) / "tc_live_storage" / DB
    # the jobs node runs the runner and the event dispatcher's cron (the webhook
    # stores, the dispatcher queues the jobs); every other cron is archived while
    # the cluster runs (production's jobs node runs them all, docker-compose.yml):
    # they would change demo records under the security layer's before/after
    # comparisons (the command re-queue cron retries the demo commands) and make
    # reruns depend on when the database was made
    cluster = Cluster(
        DB,
        folder / "cluster",
        env=env,
        port_range=port_range,
        shared_dir=shared,
        jobs_crons=1,
        only_crons=["tc_integrations.ir_cron_dispatch_events"],
    )
    started = time.monotonic()
    try:
        print("\n" + cluster.prepare().strip())
        cluster.start()
    except ClusterError as exc:
        pytest.fail(str(exc))
    print(f"cluster prepared and started in {time.monotonic() - started:.1f} s")
    return Server(cluster, cluster.base, cluster.jobs.log, SECRET, DB, jwt, API_TOKEN)


@pytest.fixture(scope="session")
def server(request, tmp_path_factory):
    """The shared running cluster: ``Server(cluster, base, log, secret, db, jwt,
    api_token)``.

    Kept as an attribute of the pytest config, not in a module global or a
    StashKey: tests/security loads this file as a second module, and both must
    find the one process."""
    config = request.config
    if getattr(config, "_tc_live_server", None) is None:
        config._tc_live_server = _start(tmp_path_factory.mktemp("odoo"))
        config.add_cleanup(config._tc_live_server.cluster.stop)
    return config._tc_live_server
