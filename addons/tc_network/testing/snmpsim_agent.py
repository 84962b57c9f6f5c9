"""Start and stop a real ``snmpsim-command-responder`` (PyPI snmpsim 1.x) on 127.0.0.1.

Every ``<name>.snmprec`` file in the data directory becomes one simulated agent,
addressed by SNMPv1/v2c community ``<name>`` or by SNMPv3 context name ``<name>``
(with the one USM user given here). Used by ``tests/network`` and
``bench/snmp_poll.py``.

Readiness is checked with a hand-encoded SNMPv2c GET (independent of the client
under test), so a started simulator really answers.

Notes on snmpsim 1.2 found while building this:

* as root it refuses to run unless it drops privileges (``--process-user``); a
  non-root user cannot read a Python under ``/root``, so for local tests we set
  ``SNMPSIM_ALLOW_ROOT=true`` in the child's environment instead;
* ``--v3-engine-id`` must come *before* the engine's ``--data-dir`` and
  ``--agent-udpv4-endpoint`` options (it opens a new engine section);
* it imports ``pysmi`` without declaring it (``pip install pysmi``).
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def responder_command() -> list[str]:
    """The snmpsim responder executable (next to this Python if possible)."""
    here = Path(sys.executable).with_name("snmpsim-command-responder")
    if here.exists():
        return [str(here)]
    found = shutil.which("snmpsim-command-responder")
    if found:
        return [found]
    return [
        sys.executable,
        "-c",
        "import sys; from snmpsim.commands.responder import main; sys.exit(main())",
    ]


# -- a tiny BER encoder for one SNMPv2c GET (readiness probe only)


def _ber_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _ber_len(len(value)) + value


def _ber_int(n: int) -> bytes:
    return _tlv(0x02, n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True))


def _ber_oid(oid: str) -> bytes:
    parts = [int(p) for p in oid.split(".")]
    out = bytearray([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        out.extend(reversed(chunk))
    return _tlv(0x06, bytes(out))


def v2c_get_packet(
    community: str, oid: str = "1.3.6.1.2.1.1.3.0", req_id=4242
) -> bytes:
    varbind = _tlv(0x30, _ber_oid(oid) + b"\x05\x00")
    pdu = _tlv(0xA0, _ber_int(req_id) + _ber_int(0) + _ber_int(0) + _tlv(0x30, varbind))
    return _tlv(0x30, _ber_int(1) + _tlv(0x04, community.encode()) + pdu)


def probe(port: int, community: str, timeout: float = 0.5) -> bool:
    """True when an agent on 127.0.0.1:port answers a v2c GET for ``community``."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(v2c_get_packet(community), (HOST, port))
            data, _ = sock.recvfrom(65535)
        except OSError:
            return False
    return data[:1] == b"\x30"


class SnmpSimulator:
    """One snmpsim process serving ``data_dir`` on 127.0.0.1:<free port>.

    ``with SnmpSimulator(data_dir, v3_user=..., ...) as sim: sim.port``
    """

    def __init__(
        self,
        data_dir,
        *,
        v3_user="simulator",
        v3_auth_key="auctoritas",
        v3_auth_proto="SHA",
        v3_priv_key="privatus",
        v3_priv_proto="AES",
        probe_community=None,
        work_dir=None,
        port=None,
    ):
        self.data_dir = Path(data_dir)
        self.v3_user = v3_user
        self.v3_auth_key = v3_auth_key
        self.v3_auth_proto = v3_auth_proto
        self.v3_priv_key = v3_priv_key
        self.v3_priv_proto = v3_priv_proto
        names = sorted(p.stem for p in self.data_dir.glob("*.snmprec"))
        if not names:
            raise RuntimeError(f"no .snmprec files in {self.data_dir}")
        self.probe_community = probe_community or names[0]
        self._own_work_dir = work_dir is None
        self.work_dir = Path(work_dir or tempfile.mkdtemp(prefix="tc-snmpsim-"))
        self.fixed_port = port
        self.port = None
        self.process = None
        self.log_path = self.work_dir / "snmpsim.log"

    def command(self, port: int) -> list[str]:
        return responder_command() + [
            "--log-level=error",
            f"--cache-dir={self.work_dir / 'cache'}",
            # an empty directory: do not load the bundled variation modules
            # (their redis/sql modules only print errors without a config)
            f"--variation-modules-dir={self.work_dir / 'variation'}",
            "--v3-engine-id=auto",
            f"--v3-user={self.v3_user}",
            f"--v3-auth-key={self.v3_auth_key}",
            f"--v3-auth-proto={self.v3_auth_proto}",
            f"--v3-priv-key={self.v3_priv_key}",
            f"--v3-priv-proto={self.v3_priv_proto}",
            f"--data-dir={self.data_dir}",
            f"--agent-udpv4-endpoint={HOST}:{port}",
        ]

    def start(self, timeout: float = 60.0) -> "SnmpSimulator":
        (self.work_dir / "cache").mkdir(parents=True, exist_ok=True)
        (self.work_dir / "variation").mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            env["SNMPSIM_ALLOW_ROOT"] = "true"
        last_error = ""
        for _attempt in range(3):
            port = self.fixed_port or free_udp_port()
            with open(self.log_path, "wb") as log:
                self.process = subprocess.Popen(
                    self.command(port),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=env,
                )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break
                if probe(port, self.probe_community, timeout=0.3):
                    self.port = port
                    return self
                time.sleep(0.1)
            last_error = self.log_path.read_text(errors="replace")[-2000:]
            self._kill()
        raise RuntimeError(f"snmpsim did not start: {last_error}")

    def _kill(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def stop(self):
        self._kill()
        if self._own_work_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
