"""Synthetic legacy data set for the importer: six CSV files in the formats of
``legacy_format`` (docs/import.md), at a real fibre ISP's volume by default.

Deterministic (seeded ``random.Random``) and streaming: rows are written as they
are drawn; what stays in memory is proportional to the customers and locations
(a few arrays of ints), never to the tickets or messages. No real customer data:
names, streets and towns are drawn from small made-up lists, e-mail addresses use
``example.net`` / ``isp.example``, MAC addresses are locally administered.

Shapes: most tickets closed (about 95 %), open ones mostly recent; about 8 % of the
tickets have a parent (an earlier case of the same customer), a few deep parent /
child chains, a handful of children written before their parent (legacy exports
re-parented after a merge); 2-6 messages per ticket with a long tail, some internal
notes, HTML bodies (a few with markup the sanitiser removes); some devices in stock
without a location.

Run it with ``python3 bench/legacy_generate.py --out DIR [--scale 0.01]``.
"""

import csv
import os
import random
from collections import deque
from datetime import datetime, timedelta

from ..lib.legacy_format import COLUMNS, FILE_NAMES

VOLUMES = {
    "customers": 6667,
    "locations": 17000,
    "equipment": 7600,
    "subscriptions": 21876,
    "tickets": 242000,
}
MESSAGES_PER_TICKET = 3.24  # 784,000 / 242,000 (drawn, so the total is close)
STAFF = 40

FIRST = (
    "Alex Bea Cas Dani Eli Fen Gal Hana Ivo Jo Kai Lou Mika Nel Oto Pia Quin Rui "
    "Sam Tea Uli Vera Wim Xan Yva Zeno"
).split()
LAST = (
    "Arbel Brisk Corvan Delmar Estrin Falk Gorin Hollis Ivers Jalt Kestel Lorne "
    "Marow Norrin Ostil Pell Quarry Rask Selden Tarrow Ulme Varn Wester Yarrow Zell"
).split()
TOWNS = (
    "Aldmere Brackwater Coldharbour Dunmore Eastwick Fallowfield Greystone "
    "Highcombe Ironbridge Kestrel Lowmoor Millbrook Northby Oakhurst Pebblecombe"
).split()
STREETS = "Fibre Lane|Copper Road|Station Street|Mill Way|Church Row|Quay Side".split(
    "|"
)
COMPANY_WORDS = "Bakery Logistics Studio Dental Garage Farm Books Consulting".split()
VENDORS = (
    ("Huawei", "HG8245H", "HWTC"),
    ("ZTE", "F660", "ZTEG"),
    ("Nokia", "G-240W-F", "ALCL"),
    ("Sagemcom", "F@st 5670", "SMBS"),
)
KIND_WEIGHTS = (("ont", 50), ("router", 35), ("stb", 15))
PRODUCTS = ("Fibre 300", "Fibre 1000", "Fibre 2000", "TV Basic", "TV Plus", "Voice")
CASE_KINDS = (
    ("technical_fault", 40),
    ("general_inquiry", 22),
    ("complaint", 12),
    ("payment_dispute", 8),
    ("provisioning_failure", 8),
    ("order_review", 6),
    ("reconciliation_mismatch", 4),
)
SUBJECTS = (
    "No internet since this morning",
    "Slow speeds in the evening",
    "TV box keeps restarting",
    "Question about my invoice",
    "Move my service to a new address",
    "Wi-Fi drops every few minutes",
    "Installation appointment",
    "Router lights are red",
    "Double charge on my account",
    "Upgrade to a faster plan",
)
SENTENCES = (
    "The customer reports that the connection drops several times a day.",
    "We checked the optical levels on the OLT; they are within range.",
    "Please restart the ONT and tell us if the LOS light is still on.",
    "A technician visit has been planned for Tuesday morning.",
    "The invoice shows two charges for the same month.",
    "Thank you, it works again since yesterday evening.",
    "Signal at the ONT is -27 dBm, close to the limit.",
    "Customer asked to be called back after 18:00.",
    "The router was replaced and the old one returned.",
    "We applied a credit for the days without service.",
)


def _weighted(rng, pairs):
    total = sum(w for _v, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def staff_logins(scale=1.0):
    """Logins of the staff users the tickets are assigned to and messages written
    by; they must exist as users before an import (the importer creates none)."""
    return [
        f"agent{i:03d}@isp.example" for i in range(1, max(5, round(STAFF * scale)) + 1)
    ]


def _message_count(rng):
    roll = rng.random()
    if roll < 0.42:
        return 2
    if roll < 0.72:
        return 3
    if roll < 0.85:
        return 4
    if roll < 0.91:
        return 5
    if roll < 0.96:
        return 6
    # long tail: 7 to ~40, most of them short
    return 7 + int(rng.paretovariate(1.6)) % 34


def _body(rng, internal):
    paragraphs = 1 if rng.random() < 0.7 else rng.randint(2, 4)
    if rng.random() < 0.01:
        paragraphs = rng.randint(8, 25)  # long tail of long bodies
    parts = [
        " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 3)))
        for _ in range(paragraphs)
    ]
    roll = rng.random()
    if roll < 0.15:  # plain text export, line breaks
        return "\n".join(parts)
    if roll < 0.17:  # markup the sanitiser must remove
        return f"<p>{parts[0]}</p><script>alert('x')</script><p onclick=\"x()\">ok</p>"
    tag = "p" if not internal else "div"
    return "".join(f"<{tag}>{p}</{tag}>" for p in parts)


class _Writer:
    def __init__(self, folder, entity):
        path = os.path.join(folder, FILE_NAMES[entity])
        self.handle = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        required, optional = COLUMNS[entity]
        self.writer = csv.DictWriter(
            self.handle, fieldnames=[*required, *optional], lineterminator="\n"
        )
        self.writer.writeheader()
        self.count = 0

    def add(self, row):
        self.writer.writerow(row)
        self.count += 1

    def close(self):
        self.handle.close()


def generate(folder, scale=1.0, seed=12, now=None, progress=None):
    """Write the six files into ``folder``; return the row count per file."""
    os.makedirs(folder, exist_ok=True)
    rng = random.Random(seed)
    now = now or datetime(2026, 11, 1, 12, 0, 0)
    start = now - timedelta(days=6 * 365)
    span = (now - start).total_seconds()
    volumes = {k: max(3, round(v * scale)) for k, v in VOLUMES.items()}
    staff = staff_logins(scale)
    counts = {}

    # -- customers -------------------------------------------------------------
    out = _Writer(folder, "customers")
    n_customers = volumes["customers"]
    for i in range(1, n_customers + 1):
        company = rng.random() < 0.15
        name = (
            f"{rng.choice(LAST)} {rng.choice(COMPANY_WORDS)} {i}"
            if company
            else f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}"
        )
        out.add(
            {
                "legacy_id": f"C{i:06d}",
                "name": name,
                "is_company": "1" if company else "0",
                "email": f"c{i:06d}@example.net",
                "phone": f"+32 4{rng.randint(10, 99)} {rng.randint(100000, 999999)}",
                "street": f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
                "zip": str(rng.randint(1000, 9999)),
                "city": rng.choice(TOWNS),
                "country_code": "BE",
                "tier": _weighted(
                    rng, (("standard", 85), ("business", 12), ("vip", 3))
                ),
            }
        )
    counts["customers"] = out.count
    out.close()

    # -- locations: every customer has one, the rest go to a long tail ------------
    out = _Writer(folder, "locations")
    loc_customer = []  # location index -> customer index (1-based)
    for i in range(1, volumes["locations"] + 1):
        customer = (
            i if i <= n_customers else int(rng.paretovariate(0.6)) % n_customers + 1
        )
        loc_customer.append(customer)
        out.add(
            {
                "legacy_id": f"L{i:07d}",
                "customer_id": f"C{customer:06d}",
                "name": f"Site {i}",
                "street": f"{rng.randint(1, 300)} {rng.choice(STREETS)}",
                "zip": str(rng.randint(1000, 9999)),
                "city": rng.choice(TOWNS),
                "country_code": "BE",
                "latitude": f"{rng.uniform(49.5, 51.5):.6f}",
                "longitude": f"{rng.uniform(2.5, 6.4):.6f}",
                "access_notes": "Gate code 4711" if rng.random() < 0.1 else "",
                "olt_ref": f"OLT-{rng.randint(1, 40):02d}",
                "pon_port": f"0/{rng.randint(1, 8)}/{rng.randint(0, 15)}",
            }
        )
    counts["locations"] = out.count
    out.close()
    customer_locations = {}
    for index, customer in enumerate(loc_customer, start=1):
        customer_locations.setdefault(customer, []).append(index)

    # -- equipment: some in stock, without location ---------------------------
    out = _Writer(folder, "equipment")
    for i in range(1, volumes["equipment"] + 1):
        vendor, model, prefix = rng.choice(VENDORS)
        in_stock = rng.random() < 0.08
        location = 0 if in_stock else rng.randint(1, len(loc_customer))
        out.add(
            {
                "legacy_id": f"E{i:06d}",
                "kind": _weighted(rng, KIND_WEIGHTS),
                "vendor": vendor,
                "model": model,
                "serial": f"{prefix}{i:08X}",
                "mac": "02:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}".format(
                    *(i >> s & 0xFF for s in (32, 24, 16, 8, 0))
                ),
                "location_id": f"L{location:07d}" if location else "",
                "state": "in_stock" if in_stock else "installed",
                "install_date": ""
                if in_stock
                else (start + timedelta(seconds=rng.uniform(0, span)))
                .date()
                .isoformat(),
                "firmware": f"V{rng.randint(1, 5)}.{rng.randint(0, 9)}",
            }
        )
    counts["equipment"] = out.count
    out.close()

    # -- subscriptions (references only) ---------------------------------------
    out = _Writer(folder, "subscriptions")
    customer_subs = {}
    for i in range(1, volumes["subscriptions"] + 1):
        customer = (
            i if i <= n_customers else int(rng.paretovariate(0.6)) % n_customers + 1
        )
        locations = customer_locations.get(customer, ())
        begin = start + timedelta(seconds=rng.uniform(0, span * 0.9))
        ended = rng.random() < 0.3
        customer_subs.setdefault(customer, []).append(i)
        out.add(
            {
                "legacy_id": f"S{i:06d}",
                "customer_id": f"C{customer:06d}",
                "location_id": f"L{rng.choice(locations):07d}" if locations else "",
                "reference": f"SUB-{i:07d}",
                "product": rng.choice(PRODUCTS),
                "state": "terminated" if ended else "active",
                "start_date": begin.date().isoformat(),
                "end_date": (begin + timedelta(days=rng.randint(30, 900)))
                .date()
                .isoformat()
                if ended
                else "",
            }
        )
    counts["subscriptions"] = out.count
    out.close()

    # -- tickets and their messages, written together -------------------------
    tickets = _Writer(folder, "tickets")
    messages = _Writer(folder, "messages")
    n_tickets = volumes["tickets"]
    recent = {}  # customer -> deque of its last ticket numbers (parent candidates)
    # a few deep parent/child chains (8-25 cases, each the child of the previous)
    n_chains = max(2, round(25 * scale))
    chain_starts = set(rng.sample(range(n_tickets // 10, n_tickets // 2), n_chains))
    chains = {}  # chain start -> (last ticket number, cases still to add)
    chain_rate = n_chains * 16 / (n_tickets * 0.6)
    forward = set()  # tickets written before their parent
    message_no = 0
    for i in range(1, n_tickets + 1):
        customer = int(rng.paretovariate(0.8)) % n_customers + 1
        created = start + timedelta(seconds=span * (i - 1) / n_tickets)
        created += timedelta(seconds=rng.randint(0, 600))
        parent = ""
        if i in chain_starts:
            chains[i] = (i, rng.randint(8, 25))
        elif chains and rng.random() < chain_rate:
            head = rng.choice(sorted(chains))
            last, remaining = chains[head]
            parent = f"T{last:07d}"
            if remaining > 1:
                chains[head] = (i, remaining - 1)
            else:
                del chains[head]
        elif i + 3 <= n_tickets and rng.random() < 0.0003 and i not in forward:
            parent = f"T{i + 3:07d}"
            forward.add(i)
        elif rng.random() < 0.08 and recent.get(customer):
            parent = f"T{rng.choice(recent[customer]):07d}"
        if i not in forward and i - 3 not in forward:
            recent.setdefault(customer, deque(maxlen=3)).append(i)
        age_days = (now - created).days
        if age_days < 20:
            open_case = rng.random() < 0.6
        else:
            open_case = rng.random() < 0.035
        status = (
            _weighted(rng, (("new", 30), ("in_progress", 45), ("waiting", 25)))
            if open_case
            else _weighted(rng, (("done", 90), ("cancelled", 7), ("rejected", 3)))
        )
        closed = (
            min(now, created + timedelta(hours=rng.expovariate(1 / 40)))
            if not open_case
            else None
        )
        locations = customer_locations.get(customer, ())
        subs = customer_subs.get(customer, ())
        tickets.add(
            {
                "legacy_id": f"T{i:07d}",
                "number": f"LEG-{i:07d}",
                "subject": rng.choice(SUBJECTS),
                "description": f"<p>{rng.choice(SENTENCES)}</p>",
                "customer_id": f"C{customer:06d}",
                "location_id": f"L{rng.choice(locations):07d}"
                if locations and rng.random() < 0.8
                else "",
                "parent_id": parent,
                "subscription_id": f"S{rng.choice(subs):06d}"
                if subs and rng.random() < 0.5
                else "",
                "assignee": rng.choice(staff) if rng.random() < 0.85 else "",
                "kind": _weighted(rng, CASE_KINDS),
                "status": status,
                "priority": str(_weighted(rng, ((0, 10), (1, 60), (2, 25), (3, 5)))),
                "created_at": created.strftime("%Y-%m-%d %H:%M:%S"),
                "closed_at": closed.strftime("%Y-%m-%d %H:%M:%S") if closed else "",
            }
        )
        end = closed or now
        window = max(60.0, (end - created).total_seconds())
        count = _message_count(rng)
        offsets = sorted(rng.uniform(0, window) for _ in range(count))
        for n, offset in enumerate(offsets):
            message_no += 1
            from_customer = n == 0 or rng.random() < 0.45
            internal = not from_customer and rng.random() < 0.3
            messages.add(
                {
                    "legacy_id": f"M{message_no:08d}",
                    "ticket_id": f"T{i:07d}",
                    "date": (created + timedelta(seconds=offset)).strftime(
                        "%Y-%m-%dT%H:%M:%SZ"
                    ),
                    "author": "" if from_customer else rng.choice(staff),
                    "internal": "1" if internal else "0",
                    "body": _body(rng, internal),
                }
            )
        if progress and i % 10000 == 0:
            progress(i, n_tickets)
    counts["tickets"] = tickets.count
    counts["messages"] = messages.count
    tickets.close()
    messages.close()
    return counts
