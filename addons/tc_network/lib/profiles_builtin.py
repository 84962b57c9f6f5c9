"""The vendor profiles shipped with TC Ops, as plain data (no logic, no imports).

:mod:`.profiles` validates and registers them at import and re-exports them
(``profiles.HUAWEI_GPON_ONU``, ``profiles.ZTE_GPON_ONU``, ``profiles.GENERIC_IFMIB``);
the shape is documented there. Statuses are the strings ``ok`` / ``warning`` /
``bad`` / ``unknown``. Where each OID, unit and enumeration comes from is written
in the profile's ``description`` and in ``data/snmprec/README.md``.
"""

# IF-MIB ifOperStatus (RFC 2863)
IF_OPER_STATUS = {
    "1": ["up", "ok"],
    "2": ["down", "bad"],
    "3": ["testing", "warning"],
    "4": ["unknown", "unknown"],
    "5": ["dormant", "warning"],
    "6": ["notPresent", "bad"],
    "7": ["lowerLayerDown", "bad"],
}

IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
IF_OPER_STATUS_OID = "1.3.6.1.2.1.2.2.1.8"
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"

# GPON class B+ (ITU-T G.984.2): ONU receiver sensitivity -27 dBm, overload -8 dBm;
# ONU launch power +0.5..+5 dBm. Shared by every GPON ONU profile below.
GPON_RX_THRESHOLDS = {
    "bad_below": -27.0,
    "warning_below": -25.0,
    "warning_above": -10.0,
    "bad_above": -8.0,
}
GPON_TX_THRESHOLDS = {
    "bad_below": 0.0,
    "warning_below": 0.5,
    "warning_above": 5.0,
    "bad_above": 7.0,
}

UPTIME = {
    "metric": "uptime",
    "label": "Uptime",
    "oid": SYS_UPTIME,
    "kind": "gauge",
    "scale": 0.01,
    "decimals": 0,
    "unit": "s",
}

# ----------------------------------------------------------------- Huawei MA5600/5800

_HW_GPON = "1.3.6.1.4.1.2011.6.128.1.1.2"

HUAWEI_GPON_ONU = {
    "key": "huawei-gpon-onu",
    "vendor": "Huawei",
    "model_pattern": r"MA5[68]\d\d|EA5800|EchoLife|HG8\d{3}",
    "description": (
        "GPON ONU seen through a Huawei-style OLT MIB (HUAWEI-XPON-MIB layout: "
        "tables indexed by <PON port ifIndex>.<ONU id>). The same OIDs answer on "
        "the OLT (one target, many ONU indexes) and on the demo ONT recordings. "
        "Optical powers (hwGponOntOpticalDdmRxPower .51.1.4 / TxPower .51.1.3) are "
        "INTEGER in units of 0.01 dBm; 2147483647 means no reading (ONU offline). "
        "hwGponDeviceOntControlRunStatus (.46.1.15): 1 online, 2 offline. "
        "hwGponDeviceOntControlRanging (.46.1.20): ranging result in metres, -1 "
        "when unknown (offline ONT). hwGponDeviceOntControlLastDownCause (.46.1.24): "
        "1 LOS, 2 LOSi, 3 LOFi, 4 SFi, 5 LOAi, 6 LOAMi, 7 deactivation failed, "
        "8 deactivated, 9 reset, 10 re-registered, 11 pop-up failed, 13 dying gasp, "
        "15 LOKi, -1 query failed (HUAWEI-XPON-MIB V1.64 as shipped by LibreNMS, "
        "mibs/huawei/HUAWEI-XPON-MIB). ONT serial hwGponDeviceOntSn (.43.1.3): 8 raw "
        "octets, 4 vendor ASCII + 4 bytes. The OLT's PON ports are IF-MIB rows whose "
        "ifDescr is 'GPON <frame>/<slot>/<port>'; the ONU tables use that ifIndex "
        "itself (4194312192 = GPON 0/1/0, 0xFA000000 + slot*8192 + port*256). "
        "sysUpTime is TimeTicks (0.01 s). Rx limits follow GPON class B+ "
        "(sensitivity -27 dBm, overload -8 dBm); tx limits the ONT class B+ "
        "launch power range (+0.5..+5 dBm)."
    ),
    "index": {
        "pon_ifindex": {
            "default": None,
            "help": "ifIndex of the OLT PON port, e.g. 4194312192 for GPON 0/1/0",
        },
        "onu_id": {"default": None, "help": "ONU id on that PON port (0-127)"},
    },
    "metrics": [
        {
            "metric": "onu_state",
            "label": "ONU state",
            "oid": _HW_GPON + ".46.1.15.{pon_ifindex}.{onu_id}",
            "kind": "enum",
            "values": {"1": ["online", "ok"], "2": ["offline", "bad"]},
            "liveness": True,
        },
        {
            "metric": "interface_status",
            "label": "PON port status",
            "oid": IF_OPER_STATUS_OID + ".{pon_ifindex}",
            "kind": "enum",
            "values": IF_OPER_STATUS,
            "liveness": True,
        },
        {
            "metric": "rx_power",
            "label": "Optical rx power",
            "oid": _HW_GPON + ".51.1.4.{pon_ifindex}.{onu_id}",
            "kind": "gauge",
            "scale": 0.01,
            "decimals": 2,
            "unit": "dBm",
            "invalid": [2147483647, -2147483648],
            "thresholds": GPON_RX_THRESHOLDS,
        },
        {
            "metric": "tx_power",
            "label": "Optical tx power",
            "oid": _HW_GPON + ".51.1.3.{pon_ifindex}.{onu_id}",
            "kind": "gauge",
            "scale": 0.01,
            "decimals": 2,
            "unit": "dBm",
            "invalid": [2147483647, -2147483648],
            "thresholds": GPON_TX_THRESHOLDS,
        },
        {
            "metric": "distance",
            "label": "Distance",
            "oid": _HW_GPON + ".46.1.20.{pon_ifindex}.{onu_id}",
            "kind": "gauge",
            "decimals": 0,
            "unit": "m",
            "invalid": [-1],
        },
        {
            "metric": "last_down_cause",
            "label": "Last down cause",
            "oid": _HW_GPON + ".46.1.24.{pon_ifindex}.{onu_id}",
            "kind": "enum",
            "values": {
                "1": ["LOS", "ok"],
                "2": ["LOSi", "ok"],
                "3": ["LOFi", "ok"],
                "4": ["SFi", "ok"],
                "5": ["LOAi", "ok"],
                "6": ["LOAMi", "ok"],
                "7": ["deactivation failed", "ok"],
                "8": ["deactivated", "ok"],
                "9": ["reset", "ok"],
                "10": ["re-registered", "ok"],
                "11": ["pop-up failed", "ok"],
                "13": ["dying gasp", "ok"],
                "15": ["LOKi", "ok"],
                "-1": ["none", "unknown"],
            },
        },
        UPTIME,
    ],
    "olt": {
        "ports": {
            "name_oid": IF_DESCR,
            "status_oid": IF_OPER_STATUS_OID,
            "name_pattern": r"^GPON (?P<shelf>\d+)/(?P<slot>\d+)/(?P<port>\d+)$",
            "port_format": "{shelf}/{slot}/{port}",
            "pon_index": None,
        },
        "serial_oid": _HW_GPON + ".43.1.3.{pon_ifindex}.{onu_id}",
    },
}

# ----------------------------------------------------------------- ZTE C300 / C320

_ZX_GPON = "1.3.6.1.4.1.3902.1012.3"

ZTE_GPON_ONU = {
    "key": "zte-gpon-onu",
    "vendor": "ZTE",
    "model_pattern": r"ZXA10 ?C3[02]0|\bC3[02]0\b.*\bZTE\b",
    "description": (
        "GPON ONU seen through a ZTE ZXA10 C300/C320 (firmware V1.x/V2.1, "
        "ZXGPON-SERVICE-MIB tree 1.3.6.1.4.1.3902.1012.3; the C600/C650 and C320 "
        "V2.2 'TITAN' firmware use other tables, 1.3.6.1.4.1.3902.1082.500, not "
        "covered here). ONU tables are indexed by <PON index>.<ONU id>, ONU ids "
        "from 1. The PON index packs one-based fields: 0x10000000 + (shelf-1)<<24 "
        "+ slot<<16 + port<<8 (268501248 = gpon 1/1/1); the IF-MIB ifIndex of the "
        "same port packs zero-based ones (268435456 = 1/1/1), so the two never "
        "match and no IF-MIB metric is keyed by pon_ifindex here. PON ports are "
        "found by ifName ('gpon_1/1/1' on V2.1, 'gpon-olt_1/1/1' on older "
        "software); ifDescr is empty. Both numberings and the empty ifDescr are "
        "in a real C320 V2.1.0 walk (LibreNMS tests/snmpsim/zxa10_c320.snmprec: "
        "IF-MIB 268435456.. = gpon_1/1/1.., zxGpon tables 268501248.. for the "
        "same 8 ports). zxGponOntPhaseState (.28.2.1.4): 0 logging, 1 LOS, 2 "
        "syncMib, 3 working, 4 dying gasp, 5 auth failed, 6 offline (0-based as "
        "read by several C320 tools; the 1-based list of the Checkmk plugin is "
        "for the .1082.500 table). ONU rx / tx power (.50.12.1.1.10 / .14, index "
        "<PON index>.<ONU id>.1): dBm = raw * 0.002 - 30, raw a 16-bit two's "
        "complement (raw above 32767 is below -30 dBm); 65535 means no reading. "
        "Distance (.11.4.1.2): metres, 0 when the ONU is not ranged. Last down "
        "cause (.28.2.1.7): 0 normal .. 9 dying gasp (enumeration from third-party "
        "C320 tooling, informational only). ONU serial (.28.1.1.5): 8 raw octets, "
        "4 vendor ASCII + 4 bytes. Rx/tx limits: GPON class B+, as for Huawei."
    ),
    "index": {
        "pon_ifindex": {
            "default": None,
            "help": (
                "PON index of the ONU tables (not the IF-MIB ifIndex), e.g. "
                "268501248 for gpon 1/1/1"
            ),
        },
        "onu_id": {"default": None, "help": "ONU id on that PON port (1-128)"},
    },
    "metrics": [
        {
            "metric": "onu_state",
            "label": "ONU phase state",
            "oid": _ZX_GPON + ".28.2.1.4.{pon_ifindex}.{onu_id}",
            "kind": "enum",
            "values": {
                "0": ["logging", "warning"],
                "1": ["LOS", "bad"],
                "2": ["syncMib", "warning"],
                "3": ["working", "ok"],
                "4": ["dying gasp", "bad"],
                "5": ["auth failed", "bad"],
                "6": ["offline", "bad"],
            },
            "liveness": True,
        },
        {
            "metric": "rx_power",
            "label": "Optical rx power",
            "oid": _ZX_GPON + ".50.12.1.1.10.{pon_ifindex}.{onu_id}.1",
            "kind": "gauge",
            "scale": 0.002,
            "offset": -30,
            "signed_bits": 16,
            "decimals": 2,
            "unit": "dBm",
            "invalid": [65535, 2147483647],
            "thresholds": GPON_RX_THRESHOLDS,
        },
        {
            "metric": "tx_power",
            "label": "Optical tx power",
            "oid": _ZX_GPON + ".50.12.1.1.14.{pon_ifindex}.{onu_id}.1",
            "kind": "gauge",
            "scale": 0.002,
            "offset": -30,
            "signed_bits": 16,
            "decimals": 2,
            "unit": "dBm",
            "invalid": [65535, 2147483647],
            "thresholds": GPON_TX_THRESHOLDS,
        },
        {
            "metric": "distance",
            "label": "Distance",
            "oid": _ZX_GPON + ".11.4.1.2.{pon_ifindex}.{onu_id}",
            "kind": "gauge",
            "decimals": 0,
            "unit": "m",
            "invalid": [0, -1],
        },
        {
            "metric": "last_down_cause",
            "label": "Last down cause",
            "oid": _ZX_GPON + ".28.2.1.7.{pon_ifindex}.{onu_id}",
            "kind": "enum",
            "values": {
                "0": ["normal", "ok"],
                "1": ["LOS", "ok"],
                "2": ["LOSi", "ok"],
                "3": ["LOFi", "ok"],
                "4": ["SFi", "ok"],
                "5": ["LOAi", "ok"],
                "6": ["LOAMi", "ok"],
                "7": ["deactivated", "ok"],
                "8": ["manual", "ok"],
                "9": ["dying gasp", "ok"],
            },
        },
        UPTIME,
    ],
    "olt": {
        "ports": {
            "name_oid": IF_NAME,
            "status_oid": IF_OPER_STATUS_OID,
            "name_pattern": (
                r"^gpon(?:[-_]olt)?[-_](?P<shelf>\d+)/(?P<slot>\d+)/(?P<port>\d+)$"
            ),
            "port_format": "{shelf}/{slot}/{port}",
            # 0x10000000 + (shelf-1)*0x1000000 + slot*0x10000 + port*0x100
            "pon_index": {
                "base": 251658240,
                "shelf": 16777216,
                "slot": 65536,
                "port": 256,
            },
        },
        "serial_oid": _ZX_GPON + ".28.1.1.5.{pon_ifindex}.{onu_id}",
    },
}

# ----------------------------------------------------------------- any IF-MIB agent

GENERIC_IFMIB = {
    "key": "generic-ifmib",
    "vendor": "Generic",
    "model_pattern": r".",
    "description": (
        "Any SNMP agent with SNMPv2-MIB and IF-MIB (OLT chassis, switch, router): "
        "uptime and the operational status of one interface."
    ),
    "index": {"ifindex": {"default": None, "help": "IF-MIB ifIndex to watch"}},
    "metrics": [
        {
            "metric": "interface_status",
            "label": "Interface status",
            "oid": IF_OPER_STATUS_OID + ".{ifindex}",
            "kind": "enum",
            "values": IF_OPER_STATUS,
            "liveness": True,
        },
        UPTIME,
    ],
}

BUILTIN_PROFILES = (HUAWEI_GPON_ONU, ZTE_GPON_ONU, GENERIC_IFMIB)
