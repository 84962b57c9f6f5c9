#!/usr/bin/env python3
"""Odoo with every HTTP request timed, and optionally profiled, per route (bench only).

Run it as ``python3 -m odoo`` is run (same arguments). Each worker process keeps, per
request path, the count, wall time, CPU time of the worker (``time.process_time``) and
the SQL query count and time Odoo itself measures (``threading.current_thread()``
``query_count`` / ``query_time``), and with ``TC_PROFILE=1`` a cProfile of the requests
of that path. Every 50 requests of a path, and at exit, the worker writes them to
``$TC_PROFILE_DIR/<pid>-<path>.json`` (and ``.prof``); ``merged()`` adds up the files
of every worker. The profiler roughly doubles the CPU time of what it profiles: the
timings to quote come from a run without it.
"""

import cProfile
import json
import os
import sys
import threading
import time
from pathlib import Path


def _slug(path):
    return path.strip("/").replace("/", "_") or "root"


def install(out_dir, profile):
    from odoo import http  # noqa: PLC0415 (patched before Odoo's server starts)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    original = http.Application.__call__
    per_path = {}

    def dump(path, entry):
        base = out / f"{os.getpid()}-{_slug(path)}"
        base.with_suffix(".json").write_text(json.dumps(entry["t"]))
        if entry["prof"] is not None:
            entry["prof"].dump_stats(str(base.with_suffix(".prof")))

    def timed_call(self, environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        entry = per_path.get(path)
        if entry is None:
            entry = per_path[path] = {
                "t": {"path": path, "n": 0, "wall": 0.0, "cpu": 0.0, "sql_n": 0, "sql_s": 0.0},
                "prof": cProfile.Profile() if profile else None,
            }  # fmt: skip
        thread = threading.current_thread()
        c0, w0 = time.process_time(), time.perf_counter()
        if entry["prof"] is not None:
            entry["prof"].enable()
        try:
            return original(self, environ, start_response)
        finally:
            if entry["prof"] is not None:
                entry["prof"].disable()
            t = entry["t"]
            t["n"] += 1
            t["wall"] += time.perf_counter() - w0
            t["cpu"] += time.process_time() - c0
            t["sql_n"] += getattr(thread, "query_count", 0)
            t["sql_s"] += getattr(thread, "query_time", 0.0)
            if t["n"] % 50 == 0:
                dump(path, entry)

    http.Application.__call__ = timed_call

    import atexit  # noqa: PLC0415

    atexit.register(lambda: [dump(p, e) for p, e in per_path.items()])


def merged(out_dir):
    """{path: totals} over every worker's file, plus pstats of the profiles."""
    import pstats  # noqa: PLC0415

    totals, profs = {}, {}
    for file in Path(out_dir).glob("*.json"):
        data = json.loads(file.read_text())
        acc = totals.setdefault(data["path"], dict.fromkeys(data, 0))
        acc["path"] = data["path"]
        for key, value in data.items():
            if key != "path":
                acc[key] += value
        prof = file.with_suffix(".prof")
        if prof.exists():
            if data["path"] in profs:
                profs[data["path"]].add(str(prof))
            else:
                profs[data["path"]] = pstats.Stats(str(prof))
    return totals, profs


if __name__ == "__main__":
    install(os.environ["TC_PROFILE_DIR"], os.environ.get("TC_PROFILE") == "1")
    import odoo.cli  # noqa: PLC0415

    sys.argv[0] = "odoo"
    odoo.cli.main()
