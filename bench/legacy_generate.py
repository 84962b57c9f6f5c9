#!/usr/bin/env python3
"""Write the synthetic legacy data set (tc_integrations/testing/legacy_generator.py).

    python3 bench/legacy_generate.py --out /tmp/legacy            # the issue's volumes
    python3 bench/legacy_generate.py --out /tmp/legacy --scale 0.01

Needs no Odoo: the addon directories are exposed as bare packages, as in
tests/conftest.py.
"""

import argparse
import sys
import time
import types
from pathlib import Path

ADDONS = Path(__file__).resolve().parent.parent / "addons"


def _bare_packages():
    for addon in ("tc_network", "tc_integrations"):
        if addon not in sys.modules:
            package = types.ModuleType(addon)
            package.__path__ = [str(ADDONS / addon)]
            sys.modules[addon] = package


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder to write the files to")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    _bare_packages()
    from tc_integrations.testing import legacy_generator  # noqa: PLC0415

    started = time.monotonic()

    def progress(done, total):
        print(f"\r  tickets {done:,}/{total:,}", end="", file=sys.stderr, flush=True)

    counts = legacy_generator.generate(
        args.out, scale=args.scale, seed=args.seed, progress=progress
    )
    print(file=sys.stderr)
    for entity, count in counts.items():
        print(f"{entity:14} {count:>9,}")
    print(f"staff logins   {len(legacy_generator.staff_logins(args.scale)):>9,}")
    print(f"written to {args.out} in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
