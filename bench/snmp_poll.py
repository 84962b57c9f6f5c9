#!/usr/bin/env python3
"""Benchmark: poll N simulated ONTs (4 OIDs each) over SNMP on 127.0.0.1.

Compares, in the same run and against the same snmpsim process:

* ``tc_network.lib.snmp_client.poll_many`` (pysnmp asyncio, one engine,
  bounded concurrency), SNMPv2c and SNMPv3 authPriv (SHA + AES-128);
* net-snmp ``snmpget`` processes run in parallel with ``xargs -P`` (the
  baseline), same PDUs (one GET with the 4 OIDs per device).

N recordings (``ont-0001.snmprec`` ...) are generated into a temporary directory;
snmpsim serves each as community (v2c) / context name (v3) ``ont-NNNN``.

    python3 bench/snmp_poll.py                 # 1000 devices, print results
    python3 bench/snmp_poll.py --write         # also update bench/RESULTS.md

Only 127.0.0.1 is ever contacted.
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections import Counter
from importlib import metadata
from pathlib import Path

import bench_results  # bench/bench_results.py (the scripts run from bench/)
import pysnmp

ROOT = Path(__file__).resolve().parent.parent
# expose addons/tc_network as a bare package without running its Odoo __init__
if "tc_network" not in sys.modules:
    _pkg = types.ModuleType("tc_network")
    _pkg.__path__ = [str(ROOT / "addons" / "tc_network")]
    sys.modules["tc_network"] = _pkg

from tc_network.lib import profiles, snmp_client  # noqa: E402
from tc_network.testing.snmpsim_agent import SnmpSimulator  # noqa: E402

HOST = "127.0.0.1"
SECTION = "## SNMP polling (tc_network)"
V3_USER, V3_AUTH, V3_PRIV = "benchuser", "bench-auth-key-1", "bench-priv-key-1"
PON = 4194312192


def generate(data_dir: Path, count: int) -> dict[str, tuple[int, ...]]:
    """Write ``count`` ONT recordings; return the expected values per device."""
    expected = {}
    for i in range(1, count + 1):
        name = f"ont-{i:04d}"
        onu = (i - 1) % 128
        uptime = 100000 + i * 97
        oper = 1 if i % 50 else 2
        rx = -1500 - (i * 7) % 1500
        tx = 150 + i % 100
        lines = [
            f"1.3.6.1.2.1.1.1.0|4|Huawei EchoLife HG8245H (simulated {name})",
            f"1.3.6.1.2.1.1.3.0|67|{uptime}",
            f"1.3.6.1.2.1.1.5.0|4|{name}",
            f"1.3.6.1.2.1.2.2.1.8.{PON}|2|{oper}",
            f"1.3.6.1.4.1.2011.6.128.1.1.2.46.1.15.{PON}.{onu}|2|{1 if oper == 1 else 2}",
            f"1.3.6.1.4.1.2011.6.128.1.1.2.51.1.3.{PON}.{onu}|2|{tx}",
            f"1.3.6.1.4.1.2011.6.128.1.1.2.51.1.4.{PON}.{onu}|2|{rx}",
        ]
        (data_dir / f"{name}.snmprec").write_text("\n".join(lines) + "\n")
        expected[name] = (onu, uptime, oper, rx, tx)
    return expected


def device_oids(onu: int) -> list[str]:
    oids = profiles.metric_oids(
        profiles.get_profile("huawei-gpon-onu"), pon_ifindex=PON, onu_id=onu
    )
    return [
        oids["uptime"],
        oids["interface_status"],
        oids["rx_power"],
        oids["tx_power"],
    ]


def run_ours(port, expected, *, version, concurrency):
    jobs = []
    for name, (onu, *_rest) in expected.items():
        if version == "3":
            target = snmp_client.SnmpTarget.v3(
                HOST,
                V3_USER,
                V3_AUTH,
                V3_PRIV,
                port=port,
                context_name=name,
                timeout=3,
                retries=1,
            )
        else:
            target = snmp_client.SnmpTarget.v2c(
                HOST, name, port=port, timeout=3, retries=1
            )
        jobs.append((target, device_oids(onu)))
    started = time.perf_counter()
    results = snmp_client.poll_many(jobs, concurrency=concurrency)
    wall = time.perf_counter() - started
    good = 0
    for (_name, (_onu, uptime, oper, rx, tx)), result in zip(
        expected.items(), results, strict=True
    ):
        if result.ok and list(result.values.values()) == [uptime, oper, rx, tx]:
            good += 1
    return wall, good


def run_netsnmp(port, expected, *, version, parallel):
    snmpget = shutil.which("snmpget")
    if not snmpget:
        return None, 0
    lines = []
    for name, (onu, *_rest) in expected.items():
        # appended to the command after -c/-n: "<community|context> <agent> oids"
        lines.append(f"{name} {HOST}:{port} {' '.join(device_oids(onu))}")
    auth = bench_results.netsnmp_auth(version, V3_USER, V3_AUTH, V3_PRIV)
    # xargs -L1: one snmpget per device line "<community|context> oid oid oid oid"
    cmd = [
        "xargs",
        "-P",
        str(parallel),
        "-L",
        "1",
        snmpget,
        "-m",
        "",
        "-On",
        "-Oqvt",
        "-t",
        "3",
        "-r",
        "1",
        *auth,
    ]
    env = dict(os.environ, MIBS="", MIBDIRS="")
    started = time.perf_counter()
    proc = subprocess.run(
        cmd, input="\n".join(lines) + "\n", capture_output=True, text=True, env=env
    )
    wall = time.perf_counter() - started
    # parallel processes interleave their output lines, so compare the multiset
    # of printed values with the expected one (and count errors/timeouts)
    got = Counter(proc.stdout.split())
    want = Counter()
    for _name, (_onu, uptime, oper, rx, tx) in expected.items():
        want.update([str(uptime), str(oper), str(rx), str(tx)])
    missing = sum((want - got).values())
    good = (
        len(expected)
        if proc.returncode == 0 and not missing
        else (len(expected) - (missing + 3) // 4)
    )
    if proc.returncode or missing:
        print(
            f"  snmpget: exit {proc.returncode}, {missing} values missing; "
            f"stderr: {proc.stderr.strip()[:300]}"
        )
    return wall, good


def netsnmp_version():
    try:
        out = subprocess.run(["snmpget", "--version"], capture_output=True, text=True)
        return (out.stdout or out.stderr).strip().split(":")[-1].strip()
    except OSError:
        return "not installed"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--parallel",
        type=lambda text: [int(x) for x in text.split(",")],
        default=[16, 64],
        help="comma-separated xargs -P values for the snmpget baseline",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="tc-snmp-bench-"))
    data_dir = tmp / "data"
    data_dir.mkdir()
    t0 = time.perf_counter()
    expected = generate(data_dir, args.devices)
    sim = SnmpSimulator(
        data_dir,
        v3_user=V3_USER,
        v3_auth_key=V3_AUTH,
        v3_priv_key=V3_PRIV,
        work_dir=tmp / "sim",
    )
    sim.start(timeout=300)
    startup = time.perf_counter() - t0
    print(
        f"snmpsim serving {args.devices} agents on {HOST}:{sim.port} "
        f"(generate + index + start {startup:.1f} s)"
    )
    plan = []
    for version, tag in (("2c", "v2c"), ("3", "v3 authPriv")):
        plan.append(
            (
                f"tc_network poll_many {tag} (concurrency {args.concurrency})",
                run_ours,
                {"version": version, "concurrency": args.concurrency},
            )
        )
        for parallel in args.parallel:
            plan.append(
                (
                    f"net-snmp snmpget {tag} (xargs -P {parallel})",
                    run_netsnmp,
                    {"version": version, "parallel": parallel},
                )
            )
    rows = {}
    load_before = os.getloadavg()[0]
    try:
        # warm-up, not measured: snmpsim opens each recording lazily on first use
        run_ours(sim.port, expected, version="2c", concurrency=args.concurrency)
        run_netsnmp(sim.port, expected, version="2c", parallel=args.parallel[-1])
        for rnd in range(args.rounds):
            for label, func, kw in plan:
                wall, good = func(sim.port, expected, **kw)
                if wall is None:
                    continue
                rows.setdefault(label, []).append((wall, good))
                print(
                    f"round {rnd + 1} {label:48s} {wall:7.2f} s "
                    f"{args.devices / wall:8.1f} dev/s  {good}/{args.devices} ok"
                )
    finally:
        sim.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    summary = []
    for label, runs in rows.items():
        walls = [w for w, _ in runs]
        med = statistics.median(walls)
        summary.append((label, med, min(walls), max(walls), min(g for _, g in runs)))
    print()
    for label, med, lo, hi, good in summary:
        print(
            f"{label:48s} median {med:6.2f} s = {args.devices / med:7.1f} dev/s "
            f"(runs {lo:.2f}-{hi:.2f} s), worst run {good}/{args.devices} ok"
        )
    load_after = os.getloadavg()[0]
    print(f"1-minute load average: {load_before:.2f} before, {load_after:.2f} after")
    if args.write:
        write_results(args, summary, startup, (load_before, load_after))
    return 0


def write_results(args, summary, startup, loads):
    try:
        snmpsim_version = metadata.version("snmpsim")
    except metadata.PackageNotFoundError:
        snmpsim_version = "?"
    lines = [
        SECTION,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} by `python3 bench/snmp_poll.py --write` "
        f"on {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
        f"pysnmp {pysnmp.__version__}, snmpsim {snmpsim_version}, "
        f"net-snmp {netsnmp_version()}.",
        "",
        f"{args.devices} simulated ONTs (one snmpsim process on 127.0.0.1, one "
        "recording per ONT, addressed by community / SNMPv3 context), one GET of 4 "
        "OIDs per device (sysUpTime, ifOperStatus, optical rx and tx power). "
        f"tc_network: `snmp_client.poll_many(concurrency={args.concurrency})`. "
        "Baseline: net-snmp `snmpget` via `xargs -P "
        f"{'/'.join(str(p) for p in args.parallel)}` (one process per device, MIB "
        "loading off, same 3 s timeout / 1 retry). Runs alternate; "
        f"{args.rounds} rounds, median wall time; snmpsim startup "
        f"(generate + index) {startup:.1f} s not included.",
        "",
        "| client | median wall time | devices/s | range | correct answers |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, med, lo, hi, good in summary:
        lines.append(
            f"| {label} | {med:.2f} s | {args.devices / med:.0f} | "
            f"{lo:.2f}-{hi:.2f} s | {good}/{args.devices} |"
        )
    lines += [
        "",
        "Notes:",
        "",
        "- Every `poll_many` call is cold: it builds its own event loop, pysnmp "
        "dispatcher/engine and USM key localisation, as the Odoo layer's synchronous "
        "call does; that cost is inside the figures.",
        f"- 1-minute load average {loads[0]:.2f} before and {loads[1]:.2f} after the "
        "run (other work on the machine shows up as slow outliers in the ranges).",
        "- Both clients share the same single-threaded snmpsim process and the same "
        f"{os.cpu_count()} CPU(s), so the simulator's own CPU cost is part of every "
        "figure; against real devices the wall time is bound by their latency and "
        "the concurrency.",
        "- SNMPv1/v2c use pysnmp's `hlapi.v1arch` (community sent per message). With "
        "`hlapi.v3arch` for v2c too, each distinct community/target is first written "
        "into the engine's SNMP-COMMUNITY/TARGET MIB tables (~3 ms per device) and "
        "its lookup maps are rebuilt after each change: a development run of this "
        "benchmark measured 38 s for 1,000 devices when targets were added while "
        "requests were in flight, and 6.8 s (147 devices/s) with all targets "
        "configured up front.",
        "",
    ]
    bench_results.write_section(SECTION, "\n".join(lines))
    print(f"updated {bench_results.RESULTS}")


if __name__ == "__main__":
    sys.exit(main())
