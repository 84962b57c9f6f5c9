"""docs/security.md read as data: its Models, Routes and Buttons tables.

One parser for the three tables (the first Markdown table under each ``## `` heading)
so that the tests and the document cannot drift apart: a cell here is the cell the
reader sees there.
"""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
ROLES = (
    "public",
    "portal",
    "partner",
    "technician",
    "dispatcher",
    "agent",
    "supervisor",
    "manager",
    "finance",
    "reviewer",
    "integration",
)
LETTERS = "rcwu"


def _table(text, heading):
    """Rows (dicts by header) of the first table under ``## heading``."""
    match = re.search(rf"^## {re.escape(heading)}\s*$", text, re.M)
    if not match:
        raise AssertionError(f"docs/security.md has no '## {heading}' section")
    lines = text[match.end() :].splitlines()
    rows, header = [], None
    for line in lines:
        if line.startswith("## "):
            break
        if not line.startswith("|"):
            if header:
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif set("".join(cells)) <= set("-: "):
            continue
        else:
            rows.append(dict(zip(header, cells, strict=True)))
    return rows


def _text():
    return DOC.read_text(encoding="utf-8")


def models():
    """{model: {role: (letters, limited)}}"""
    result = {}
    for row in _table(_text(), "Models"):
        cells = {}
        for role in ROLES:
            cell = row[role].strip("`")
            limited = cell.endswith("*")
            letters = cell.rstrip("*")
            letters = "" if letters == "-" else letters
            if set(letters) - set(LETTERS):
                raise AssertionError(
                    f"bad cell {row[role]!r} for {row['model']}/{role}"
                )
            cells[role] = (letters, limited)
        result[row["model"]] = cells
    return result


def routes():
    """{route: auth}"""
    return {row["route"].strip("`"): row["auth"] for row in _table(_text(), "Routes")}


def buttons():
    """{(model, method): set of roles allowed (with a login)}"""
    result = {}
    for row in _table(_text(), "Buttons"):
        roles_text = re.sub(r"\([^)]*\)", "", row["roles"])
        allowed = {role for role in ROLES if re.search(rf"\b{role}\b", roles_text)}
        result[(row["model"].strip("`"), row["method"].strip("`"))] = allowed
    return result
