"""What the bench scripts share: progress lines, and replacing their own section of
bench/RESULTS.md."""

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
