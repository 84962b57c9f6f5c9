"""What the bench scripts share: progress lines, replacing their own section of
bench/RESULTS.md, the peak-RSS sampler and net-snmp's SNMPv3 arguments."""

import os
import threading
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def log(msg, *args):
    """A progress line with the time of day."""
    print(time.strftime("%H:%M:%S"), msg % args if args else msg, flush=True)


def write_section(section, text, results=RESULTS):
    """Replace the ``section`` ("## ..." heading line) of ``results`` with
    ``text`` (which starts with that heading), or append it; keep every other
    section as it is."""
    old = results.read_text() if results.exists() else "# Benchmark results\n"
    out, skipping, replaced = [], False, False
    for line in old.splitlines(keepends=True):
        if line.rstrip() == section:
            skipping, replaced = True, True
            out.append(text.rstrip("\n") + "\n\n")
            continue
        if skipping and line.startswith("## "):
            skipping = False
        if not skipping:
            out.append(line)
    if not replaced:
        if out and not "".join(out).endswith("\n\n"):
            out.append("\n")
        out.append(text)
    results.write_text("".join(out).rstrip() + "\n")


class RssSampler:
    """Peak resident set size of this process while running (every 20 ms)."""

    def __init__(self):
        self.peak = self.start = self.read()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def read():
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _run(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.read())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.read())

    @property
    def growth_mb(self):
        return (self.peak - self.start) / 2**20


def netsnmp_auth(version, user, auth_key, priv_key):
    """net-snmp CLI arguments before the community (v2c, ``-c``) or the SNMPv3
    context name (``-n``): authPriv with SHA and AES, as the benches' snmpsim."""
    if version == "3":
        return [
            "-v3",
            "-l",
            "authPriv",
            "-u",
            user,
            "-a",
            "SHA",
            "-A",
            auth_key,
            "-x",
            "AES",
            "-X",
            priv_key,
            "-n",
        ]
    return ["-v2c", "-c"]
