"""The running Odoo that the live layers share (tests/live, tests/security).

One real Odoo (``--workers=2``, the queue_job runner as a separate process, no
cron threads) on the database named by ``TC_LIVE_DB``, with a webhook secret and a
partner-JWT gateway (a JWKS file, issuer, audience) and an API token configured. It starts once per pytest session, whichever layer asks first, and
stops at the end of the session: tests/security loads this file too
(``tests/security/conftest.py``), and both fixtures hand out the same process
(kept on the pytest config).

Only collected where ``TC_LIVE_DB`` is set (tests/conftest.py).
"""

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest
import requests
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


class Server(NamedTuple):
    proc: subprocess.Popen
    base: str
    log: Path
    secret: str
    db: str
    jwt: dict  # issuer, audience, kid, key (PEM of the gateway's signing key)
    api_token: str


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def _start(log):
    port = _free_port()
    jwks, jwt = _gateway(log.parent)
    env = dict(
        os.environ,
        TC_WEBHOOK_SECRET=SECRET,
        TC_API_TOKEN=API_TOKEN,
        TC_PARTNER_JWKS=str(jwks),
        TC_PARTNER_JWT_ISSUER=JWT_ISSUER,
        TC_PARTNER_JWT_AUDIENCE=JWT_AUDIENCE,
    )
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "odoo",
                "-c",
                str(ROOT / "odoo.conf"),
                "-d",
                DB,
                "--db-filter",
                f"^{DB}$",
                "--workers=2",
                "--max-cron-threads=0",
                f"--http-port={port}",
                "--http-interface=127.0.0.1",
                "--limit-time-real=300",
                "--log-level=warn",
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if requests.get(base + "/web/health", timeout=2).ok:
                break
        except requests.RequestException:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("Odoo did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.5)
    return Server(proc, base, log, SECRET, DB, jwt, API_TOKEN)


def _stop(server):
    server.proc.send_signal(signal.SIGINT)
    try:
        server.proc.wait(60)
    except subprocess.TimeoutExpired:
        server.proc.kill()


@pytest.fixture(scope="session")
def server(request, tmp_path_factory):
    """The shared running Odoo: ``Server(proc, base, log, secret, db, jwt)``.

    Kept as an attribute of the pytest config, not in a module global or a
    StashKey: tests/security loads this file as a second module, and both must
    find the one process."""
    config = request.config
    if getattr(config, "_tc_live_server", None) is None:
        log = tmp_path_factory.mktemp("odoo") / "odoo.log"
        config._tc_live_server = _start(log)
        config.add_cleanup(lambda: _stop(config._tc_live_server))
    return config._tc_live_server
