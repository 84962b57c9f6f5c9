# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``legacy-import``: the Odoo command that imports a folder of legacy files.

    python3 -m odoo --addons-path=addons legacy-import -c odoo.conf -d tcops \\
        --dir /srv/legacy [--batch-size 1000] [--resume | --new]

Odoo 18 finds addon commands only in the addons path given as the first
argument (odoo/cli/command.py), hence ``--addons-path`` before the command name.
Each batch is one unit of work (``tc_care/services/units.py``), committed with its
counts and the position of the next one: a killed run continues with ``--resume``
where it stopped (docs/import.md).
"""

import argparse
import os
import sys
import time

import odoo
from odoo.cli import Command
from odoo.tools import config

from odoo.addons.tc_care.services.units import unit

BAR = 30


def _err(text, end="\n"):
    sys.stderr.write(text + end)
    sys.stderr.flush()


def _out(text=""):
    sys.stdout.write(text + "\n")


def _progress_line(run, started, rows_before):
    stat = run._tc_current_stat()
    done = int(BAR * run.progress / 100)
    rows = sum(run.stat_ids.mapped("rows"))
    elapsed = max(time.monotonic() - started, 0.001)
    rate = (rows - rows_before) / elapsed
    where = f"{stat.entity} ({stat.phase})" if stat else "finishing"
    return (
        f"\r[{'#' * done}{'.' * (BAR - done)}] {run.progress:5.1f}% "
        f"{where:24} rows {rows:>9,}  {rate:>7,.0f}/s  "
        f"rejected {run.reject_count:,}   "
    )


class LegacyImport(Command):
    """Import a folder of legacy CSV files (TC Ops, docs/import.md)"""

    name = "legacy-import"

    def run(self, cmdargs):
        parser = argparse.ArgumentParser(
            prog="odoo legacy-import",
            description="Import customers, service locations, equipment, "
            "subscription references, tickets and messages from a folder of "
            "CSV files (docs/import.md). Other arguments are Odoo's "
            "(-c, -d, --db_host...).",
        )
        parser.add_argument("--dir", required=True, help="folder with the CSV files")
        parser.add_argument("--batch-size", type=int, default=1000)
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--resume",
            action="store_true",
            help="continue the last unfinished run on this folder",
        )
        group.add_argument(
            "--new",
            action="store_true",
            help="start a new run even if one on this folder is unfinished",
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        args, odoo_args = parser.parse_known_args(cmdargs)
        if args.batch_size < 1:
            parser.error(f"--batch-size must be 1 or more (got {args.batch_size})")
        config.parse_config(odoo_args)
        dbname = config["db_name"]
        if not dbname or "," in dbname:
            sys.exit("legacy-import: give one database with -d")
        folder = os.path.abspath(args.dir)
        registry = odoo.modules.registry.Registry(dbname)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            if "tc.legacy.import.run" not in env:
                sys.exit(f"legacy-import: tc_integrations is not installed in {dbname}")
            Run = env["tc.legacy.import.run"]
            unfinished = Run.search(
                [
                    ("source", "=", "folder"),
                    ("folder", "=", folder),
                    ("state", "in", ("draft", "running", "failed")),
                ],
                limit=1,
            )
            if unfinished and args.resume:
                run = unfinished
                _err(f"resuming run {run.id} ({run.progress:.1f}% done)")
            elif unfinished and not args.new:
                sys.exit(
                    f"legacy-import: run {unfinished.id} on {folder} is unfinished; "
                    "--resume continues it, --new starts another run"
                )
            else:
                with unit(cr):
                    run = Run._tc_create_for_folder(folder, batch_size=args.batch_size)
                _err(f"run {run.id}: {folder}")
            started = time.monotonic()
            rows_before = sum(run.stat_ids.mapped("rows"))
            try:
                while True:
                    # one unit of work per batch: what makes a killed run resumable
                    with unit(cr):
                        more = run._tc_step()
                    if not args.quiet:
                        _err(_progress_line(run, started, rows_before), end="")
                    if not more:
                        break
            except KeyboardInterrupt:
                cr.rollback()
                _err(f"\ninterrupted: run {run.id} continues with --resume")
                sys.exit(130)
            except Exception as exc:
                cr.rollback()
                with unit(cr):
                    run.write({"state": "failed", "last_error": str(exc)})
                raise
            _err("")
            for stat in run.stat_ids:
                _out(
                    f"{stat.entity:14} rows {stat.rows:>9,}  created {stat.created:>9,}  "
                    f"updated {stat.updated:>8,}  unchanged {stat.unchanged:>9,}  "
                    f"rejected {stat.rejected:>7,}"
                )
            _out(
                f"run {run.id} done in {time.monotonic() - started:.0f} s; rejected rows: "
                f"{run.reject_count} (report on the run, or in the database table "
                "tc_legacy_import_reject)"
            )
