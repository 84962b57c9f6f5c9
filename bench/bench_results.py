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


# --------------------------------------------------------------------------
# CPU time per process group (the benches that drive servers over HTTP)
# --------------------------------------------------------------------------
_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    """(comm, ppid, own CPU s, waited-for children's CPU s) of ``pid``, or None."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            raw = handle.read()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state): utime 14, stime 15, cutime 16, cstime 17
    own = (int(fields[11]) + int(fields[12])) / _TICK
    children = (int(fields[13]) + int(fields[14])) / _TICK
    return comm, int(fields[1]), own, children


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def process_tree(root):
    """``root`` and every live descendant of it."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(entry)
            if stat:
                parents.setdefault(stat[1], []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(parents.get(pid, ()))
    return out


def machine_cpu():
    """(busy, total) CPU seconds of the whole machine since boot (/proc/stat)."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / _TICK, sum(values) / _TICK


class CpuMeter:
    """CPU seconds used by groups of processes between ``snapshot()`` calls.

    ``groups``: ``{name: callable returning (live pids, reaper pid or None)}``.
    A group's CPU is its live processes' own CPU plus, through the reaper's
    waited-for-children counters, that of processes that exited meanwhile (the
    postmaster for PostgreSQL's backends: that counter holds every backend of the
    server that exited, other users' included). ``"this process"`` (the load
    generator) and ``"machine"`` (every core's busy time, /proc/stat) are always
    measured."""

    def __init__(self, groups):
        self.groups = groups

    def snapshot(self):
        snap = {"this process": time.process_time(), "machine": machine_cpu()[0]}
        for name, find in self.groups.items():
            pids, reaper = find()
            total = 0.0
            for pid in pids:
                stat = _stat(pid)
                if stat:
                    total += stat[2]
            if reaper:
                stat = _stat(reaper)
                if stat:
                    total += stat[3]
            snap[name] = total
        return snap

    @staticmethod
    def delta(before, after):
        return {name: after[name] - before[name] for name in after}


def postgres_group(dbnames):
    """A CpuMeter group: the live backends connected to one of ``dbnames`` (by
    their process title) plus every backend that exited (postmaster's counter)."""
    marks = [f" {name} " for name in dbnames]

    def find():
        postmaster, backends = None, []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            stat = _stat(entry)
            if not stat or stat[0] != "postgres":
                continue
            if stat[1] == 1 or _stat(stat[1]) and _stat(stat[1])[0] != "postgres":
                postmaster = int(entry)
            elif any(mark in _cmdline(entry) for mark in marks):
                backends.append(int(entry))
        return backends, postmaster

    return find
