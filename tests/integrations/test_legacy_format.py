"""Legacy import files without Odoo: the reader, the row checks, the generator."""

import csv
import hashlib
import io
from collections import Counter, defaultdict
from datetime import datetime

import pytest
from tc_integrations.lib import legacy_format as lf
from tc_integrations.lib import legacy_rows as lr
from tc_integrations.testing import legacy_generator as gen


def read_all(data, entity, batch=2, offset=0, line=None):
    reader = lf.CsvReader(io.BytesIO(data), entity, offset=offset, line=line)
    rows = []
    while not reader.eof:
        rows += reader.read_batch(batch)
    return reader, rows


def outcome(entity, row):
    if row.reason:
        return (row.line, None, str(row.reason))
    legacy_id, values, reason = lr.parse_row(entity, row.data)
    return (row.line, legacy_id, str(reason) if reason else values)


EQUIPMENT = (
    b"legacy_id,kind,vendor,serial,mac,location_id,state,install_date\n"
    b"E1,ont,Huawei,hwtc 0001,AA-BB-CC-00-00-01,L1,installed,2023-01-02\n"
    b"E2,router,ZTE,Z2,zz:zz:zz:zz:zz:zz,L2,,\n"
    b"E3,stb,Nokia,N3,,,,\n"
    b"E4,ont,Huawei,H4,,,installed,\n"
    b"E5,ont,Huawei,H5,,L1,,2023-02-30\n"
    b"E6,modem,Huawei,H6,,L1,,\n"
)


def test_equipment_rows_reasons_and_values():
    _reader, rows = read_all(EQUIPMENT, "equipment")
    got = [outcome("equipment", r) for r in rows]
    assert got[0][2]["serial"] == "HWTC0001"  # tc_network's normalisation
    assert got[0][2]["mac"] == "aa:bb:cc:00:00:01"
    assert got[1] == (
        3,
        "E2",
        "column mac: 'zz:zz:zz:zz:zz:zz' is not a MAC address "
        "(12 hex digits, e.g. aa:bb:cc:dd:ee:ff)",
    )
    assert got[2][2]["state"] == "in_stock" and got[2][2]["location_id"] is False
    assert got[3] == (5, "E4", "installed equipment needs a location_id")
    assert got[4] == (
        6,
        "E5",
        "column install_date: '2023-02-30' is not a date (e.g. 2024-05-31)",
    )
    assert got[5] == (
        7,
        "E6",
        "column kind: 'modem' is not one of ont, router, stb, olt, other",
    )


def test_dates_are_utc_and_checked():
    parse = lr.parse_datetime
    assert parse("2021-03-04 10:00", "d") == datetime(2021, 3, 4, 10, 0)
    assert parse("2021-03-04T11:00:00+01:00", "d") == datetime(2021, 3, 4, 10, 0)
    assert parse("2021-03-04T10:00:00.123Z", "d") == datetime(2021, 3, 4, 10, 0)
    for bad in ("2021-02-30 10:00:00", "04/03/2021", "yesterday", "1900-01-01"):
        with pytest.raises(lr._Bad):
            parse(bad, "created_at")


def test_encoding_field_count_and_multiline_records():
    data = (
        b"legacy_id,ticket_id,date,body\n"
        b'M1,T1,2021-01-01 10:00,"two\nlines"\n'
        b"M2,T1,2021-01-01 10:00,caf\xe9\n"
        b"M3,T1\n"
        b"\xef\xbb\xbfM4,T1,2021-01-01 10:00,ok\n"
    )
    _reader, rows = read_all(data, "messages")
    got = [outcome("messages", r) for r in rows]
    assert got[0][:2] == (2, "M1") and got[0][2]["body"] == "two\nlines"
    # the record after a two-line one starts on line 4
    assert got[1] == (
        4,
        None,
        "the line is not valid UTF-8 text (save the file as UTF-8)",
    )
    assert got[2] == (5, None, "the line has 2 fields, the header has 4")
    assert got[3][0] == 6


def test_missing_column_and_empty_file():
    with pytest.raises(lf.FileError, match=r"missing column\(s\): kind, serial"):
        lf.CsvReader(io.BytesIO(b"legacy_id,vendor\nE1,x\n"), "equipment")
    with pytest.raises(lf.FileError, match="empty"):
        lf.CsvReader(io.BytesIO(b""), "customers")
    # a UTF-8 byte order mark and upper case headers are fine
    reader = lf.CsvReader(
        io.BytesIO(b"\xef\xbb\xbfLEGACY_ID,Name\nC1,A\n"), "customers"
    )
    assert reader.header == ["legacy_id", "name"]


def test_resume_from_any_batch_boundary_reads_the_same_rows():
    data = (
        "legacy_id,ticket_id,date,body\n"
        + "".join(f'M{i},T1,2021-01-01 10:00,"b\n{i}"\n' for i in range(1, 12))
    ).encode()
    _reader, full = read_all(data, "messages", batch=100)
    expected = [(r.line, r.data) for r in full]
    reader = lf.CsvReader(io.BytesIO(data), "messages")
    first = reader.read_batch(3)
    # a new reader from the stored offset and line, as a resumed run does
    again = lf.CsvReader(
        io.BytesIO(data), "messages", offset=reader.offset, line=reader.next_line
    )
    rest = []
    while not again.eof:
        rest += again.read_batch(4)
    assert [(r.line, r.data) for r in first + rest] == expected


def test_fingerprint_changes_with_the_file():
    a = lf.file_fingerprint(io.BytesIO(b"legacy_id,name\nC1,A\n"))
    b = lf.file_fingerprint(io.BytesIO(b"legacy_id,name\nC1,B\n"))
    assert a != b and a.startswith("20:")


def test_reasons_render_through_a_translator():
    reason = lf.Reason("unknown customer '%(ref)s'", ref="C9")
    assert str(reason) == "unknown customer 'C9'"
    assert reason.render(lambda t: t.replace("unknown", "onbekende")) == (
        "onbekende customer 'C9'"
    )


# ----------------------------------------------------------------------------------
# generator
# ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("legacy")
    counts = gen.generate(str(folder), scale=0.05, seed=12)
    return folder, counts


def rows_of(folder, entity):
    with open(folder / f"{entity}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_generator_is_deterministic(generated, tmp_path):
    folder, _counts = generated
    gen.generate(str(tmp_path), scale=0.05, seed=12)
    for entity in lf.ENTITIES:
        name = f"{entity}.csv"
        assert (
            hashlib.sha256((folder / name).read_bytes()).digest()
            == hashlib.sha256((tmp_path / name).read_bytes()).digest()
        )


def test_generator_volumes_and_every_row_valid(generated):
    folder, counts = generated
    assert counts["customers"] == round(6667 * 0.05)
    assert counts["tickets"] == round(242000 * 0.05)
    # 784,000 messages for 242,000 tickets: within 5 %
    assert abs(counts["messages"] / counts["tickets"] - 784 / 242) < 0.17
    for entity in lf.ENTITIES:
        with open(folder / f"{entity}.csv", "rb") as handle:
            _reader, rows = read_all(handle.read(), entity, batch=5000)
        bad = [outcome(entity, r) for r in rows if outcome(entity, r)[1] is None]
        bad += [o for o in (outcome(entity, r) for r in rows) if isinstance(o[2], str)]
        assert not bad, (entity, bad[:3])
        assert len(rows) == counts[entity]


def test_generator_shapes(generated):
    folder, _counts = generated
    customers = {r["legacy_id"] for r in rows_of(folder, "customers")}
    locations = {r["legacy_id"]: r for r in rows_of(folder, "locations")}
    assert all(r["customer_id"] in customers for r in locations.values())
    equipment = rows_of(folder, "equipment")
    without = [e for e in equipment if not e["location_id"]]
    assert 0.03 < len(without) / len(equipment) < 0.15
    assert all(e["location_id"] in locations for e in equipment if e["location_id"])
    assert len({e["mac"] for e in equipment}) == len(equipment)
    tickets = rows_of(folder, "tickets")
    statuses = Counter(t["status"] for t in tickets)
    closed = sum(statuses[s] for s in lf.CLOSED_STATUSES)
    assert 0.9 < closed / len(tickets) < 0.99
    # parents: most before the child, a few after (exported after a merge)
    position = {t["legacy_id"]: i for i, t in enumerate(tickets)}
    parent_of = {t["legacy_id"]: t["parent_id"] for t in tickets if t["parent_id"]}
    assert all(p in position for p in parent_of.values())
    later = [c for c, p in parent_of.items() if position[p] > position[c]]
    assert 0 < len(later) < 20

    # a few deep chains
    def depth(ticket):
        n = 0
        while ticket in parent_of:
            ticket, n = parent_of[ticket], n + 1
        return n

    depths = sorted((depth(t) for t in parent_of), reverse=True)
    assert depths[0] >= 8
    # messages: 2-6 per ticket with a long tail, internal notes from staff only
    per_ticket = defaultdict(int)
    staff = set(gen.staff_logins(0.05))
    for message in rows_of(folder, "messages"):
        per_ticket[message["ticket_id"]] += 1
        if message["internal"] == "1":
            assert message["author"] in staff
    counts = Counter(per_ticket.values())
    assert min(counts) == 2 and len(per_ticket) == len(tickets)
    assert sum(n for k, n in counts.items() if k <= 6) / len(tickets) > 0.9
    assert max(counts) > 10
