"""SNMP v1/v2c/v3 client for TC Ops on the pysnmp 7.x asyncio HLAPI.

Pure Python, no Odoo. The Odoo layer uses the synchronous wrappers
(:func:`get`, :func:`walk`, :func:`bulk_walk`, :func:`poll_many`); asyncio code can
use :class:`AsyncSnmpClient` directly.

Design notes

* Only numeric OIDs are accepted (``"1.3.6.1.2.1.1.3.0"``): no MIB compilation or
  lookup at run time, values come back as plain Python types.
* One :class:`SnmpEngine` is shared by all requests of a client (and so by all
  devices of one :func:`poll_many` call). An engine belongs to the event loop that
  created it, so every synchronous call builds a fresh client inside its own
  ``asyncio.run`` and closes it at the end.
* pysnmp keys SNMPv3 users by user name in an engine's local configuration; two
  devices with the same user name but different keys cannot share an engine
  without one overwriting the other in flight. The client therefore keeps one
  engine per distinct v3 credential set (one for all v1/v2c targets).
* Credentials never appear in ``repr()``, log lines or exception messages
  (:class:`SnmpTarget` hides them; error texts are scrubbed as a last resort).
* SNMPv3 privacy needs ``cryptography`` >= 47 (pysnmp imports
  ``cryptography.hazmat.decrepit``). Without it pysnmp reports only "Ciphering
  services not available"; we raise :class:`SnmpCryptoUnavailableError` with the
  fix instead.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, TypeVar

from pysnmp.hlapi.v1arch import asyncio as v1
from pysnmp.hlapi.v3arch.asyncio import (
    USM_AUTH_HMAC96_MD5,
    USM_AUTH_HMAC96_SHA,
    USM_AUTH_HMAC128_SHA224,
    USM_AUTH_HMAC192_SHA256,
    USM_AUTH_HMAC256_SHA384,
    USM_AUTH_HMAC384_SHA512,
    USM_AUTH_NONE,
    USM_PRIV_CBC56_DES,
    USM_PRIV_CBC168_3DES,
    USM_PRIV_CFB128_AES,
    USM_PRIV_CFB192_AES,
    USM_PRIV_CFB256_AES,
    USM_PRIV_NONE,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
    get_cmd,
    next_cmd,
)
from pysnmp.hlapi.v3arch.asyncio.cmdgen import LCD
from pysnmp.proto import errind, rfc1902, rfc1905
from pysnmp.proto.rfc1902 import ObjectName
from pysnmp.proto.secmod.rfc3826.priv import aes as pysnmp_aes
from pysnmp.smi import builder as mib_builder
from pysnmp.smi import compiler as mib_compiler
from pysnmp.smi import view as mib_view

_logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TIMEOUT = 2.0
"""Seconds to wait for one response (per try)."""
DEFAULT_RETRIES = 1
"""Extra tries after the first one."""
DEFAULT_CONCURRENCY = 64
"""Requests in flight at once in :func:`poll_many`."""
MAX_WALK_ROWS = 50_000
"""Safety stop for walks against agents that loop."""

AUTH_PROTOCOLS = {
    "NONE": USM_AUTH_NONE,
    "MD5": USM_AUTH_HMAC96_MD5,
    "SHA": USM_AUTH_HMAC96_SHA,
    "SHA1": USM_AUTH_HMAC96_SHA,
    "SHA224": USM_AUTH_HMAC128_SHA224,
    "SHA256": USM_AUTH_HMAC192_SHA256,
    "SHA384": USM_AUTH_HMAC256_SHA384,
    "SHA512": USM_AUTH_HMAC384_SHA512,
}
PRIV_PROTOCOLS = {
    "NONE": USM_PRIV_NONE,
    "DES": USM_PRIV_CBC56_DES,
    "3DES": USM_PRIV_CBC168_3DES,
    "AES": USM_PRIV_CFB128_AES,
    "AES128": USM_PRIV_CFB128_AES,
    "AES192": USM_PRIV_CFB192_AES,
    "AES256": USM_PRIV_CFB256_AES,
}
VERSIONS = ("1", "2c", "3")


# --------------------------------------------------------------------------- errors


class SnmpError(Exception):
    """Base class of every error raised by this module.

    ``host`` is ``"address:port"`` of the target (never credentials).
    """

    def __init__(self, message: str, host: str | None = None):
        super().__init__(message)
        self.host = host


class SnmpConfigError(SnmpError, ValueError):
    """The target or the request is invalid (bad OID, missing community, ...)."""


class SnmpTimeoutError(SnmpError):
    """No (valid) answer in time: host down/unreachable, agent not running,
    wrong v1/v2c community (agents drop those silently) or a firewall."""


class SnmpAuthError(SnmpError):
    """The agent rejected SNMPv3 credentials (unknown user, wrong auth or privacy
    key, unsupported security level, clock out of window)."""


class SnmpCryptoUnavailableError(SnmpError):
    """SNMPv3 privacy impossible on this host: pysnmp's ciphers did not load."""


class SnmpNoSuchObjectError(SnmpError):
    """The agent has no such object/instance for one or more requested OIDs.

    ``oids`` lists them.
    """

    def __init__(self, message: str, host: str | None = None, oids=()):
        super().__init__(message, host)
        self.oids = tuple(oids)


class SnmpProtocolError(SnmpError):
    """The agent answered with an SNMP error-status (genErr, tooBig, ...) or sent
    something unusable (e.g. non-increasing OIDs in a walk)."""


# --------------------------------------------------------------------------- target


@dataclass(frozen=True, repr=False)
class SnmpTarget:
    """Where and how to reach one SNMP agent.

    v1/v2c: ``community``. v3: ``user`` plus optional ``auth_key`` (authNoPriv) and
    ``priv_key`` (authPriv) with ``auth_protocol`` (MD5, SHA, SHA224..SHA512) and
    ``priv_protocol`` (DES, 3DES, AES/AES128, AES192, AES256). ``context_name`` is
    the SNMPv3 context (for snmpsim: the recording name). ``name`` is a free label
    used in logs and results.

    ``repr()``/``str()`` never show the community or the keys.
    """

    host: str
    port: int = 161
    version: str = "2c"
    community: str | None = None
    user: str | None = None
    auth_protocol: str = "SHA"
    auth_key: str | None = None
    priv_protocol: str = "AES"
    priv_key: str | None = None
    context_name: str = ""
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    name: str = ""
    _secrets: tuple = field(init=False, compare=False, hash=False, default=())

    def __post_init__(self):
        version = str(self.version).lower().lstrip("v")
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "auth_protocol", str(self.auth_protocol).upper())
        object.__setattr__(self, "priv_protocol", str(self.priv_protocol).upper())
        secrets = tuple(
            s
            for s in (self.community, self.auth_key, self.priv_key)
            if s and len(s) > 2
        )
        object.__setattr__(self, "_secrets", secrets)
        where = self.address
        if not self.host:
            raise SnmpConfigError("SNMP target without host", where)
        if not (0 < int(self.port) < 65536):
            raise SnmpConfigError(f"invalid UDP port {self.port}", where)
        if version not in VERSIONS:
            raise SnmpConfigError(
                f"unsupported SNMP version {self.version!r} (use 1, 2c or 3)", where
            )
        if self.timeout <= 0 or self.retries < 0:
            raise SnmpConfigError("timeout must be > 0 and retries >= 0", where)
        if version in ("1", "2c"):
            if not self.community:
                raise SnmpConfigError(f"SNMPv{version} target needs a community", where)
            return
        if not self.user:
            raise SnmpConfigError("SNMPv3 target needs a user name", where)
        if self.auth_protocol not in AUTH_PROTOCOLS:
            raise SnmpConfigError(
                f"unknown SNMPv3 auth protocol {self.auth_protocol!r} "
                f"(one of {', '.join(AUTH_PROTOCOLS)})",
                where,
            )
        if self.priv_protocol not in PRIV_PROTOCOLS:
            raise SnmpConfigError(
                f"unknown SNMPv3 privacy protocol {self.priv_protocol!r} "
                f"(one of {', '.join(PRIV_PROTOCOLS)})",
                where,
            )
        if self.priv_key and not self.auth_key:
            raise SnmpConfigError("SNMPv3 privacy needs an auth key too", where)
        for label, key in (("auth", self.auth_key), ("privacy", self.priv_key)):
            if key is not None and len(key) < 8:
                raise SnmpConfigError(
                    f"SNMPv3 {label} key is too short (RFC 3414: at least 8 characters)",
                    where,
                )

    # -- convenience constructors
    @classmethod
    def v2c(cls, host: str, community: str, port: int = 161, **kw) -> SnmpTarget:
        return cls(host=host, port=port, version="2c", community=community, **kw)

    @classmethod
    def v3(
        cls,
        host: str,
        user: str,
        auth_key: str | None = None,
        priv_key: str | None = None,
        port: int = 161,
        auth_protocol: str = "SHA",
        priv_protocol: str = "AES",
        **kw,
    ) -> SnmpTarget:
        return cls(
            host=host,
            port=port,
            version="3",
            user=user,
            auth_key=auth_key,
            priv_key=priv_key,
            auth_protocol=auth_protocol,
            priv_protocol=priv_protocol,
            **kw,
        )

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def security_level(self) -> str:
        if self.version != "3":
            return "community"
        if self.priv_key:
            return "authPriv"
        return "authNoPriv" if self.auth_key else "noAuthNoPriv"

    @property
    def label(self) -> str:
        """Safe text for logs: name, address, version, v3 user and level."""
        text = f"{self.name + ' ' if self.name else ''}{self.address} v{self.version}"
        if self.version == "3":
            text += f" user={self.user} {self.security_level}"
            if self.context_name:
                text += f" context={self.context_name}"
        return text

    def scrub(self, text: str) -> str:
        """Replace any credential of this target found in ``text`` by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def __repr__(self) -> str:
        hidden = "'***'"
        parts = [
            f"host={self.host!r}",
            f"port={self.port!r}",
            f"version={self.version!r}",
        ]
        if self.version == "3":
            parts += [
                f"user={self.user!r}",
                f"auth_protocol={self.auth_protocol!r}",
                f"auth_key={hidden if self.auth_key else None}",
                f"priv_protocol={self.priv_protocol!r}",
                f"priv_key={hidden if self.priv_key else None}",
                f"context_name={self.context_name!r}",
            ]
        else:
            parts.append(f"community={hidden if self.community else None}")
        parts += [f"timeout={self.timeout!r}", f"retries={self.retries!r}"]
        if self.name:
            parts.append(f"name={self.name!r}")
        return f"SnmpTarget({', '.join(parts)})"

    __str__ = __repr__

    # -- pysnmp objects (internal)
    def _usm_user_data(self) -> UsmUserData:
        kwargs = {}
        if self.auth_key:
            kwargs["authKey"] = self.auth_key
            kwargs["authProtocol"] = AUTH_PROTOCOLS[self.auth_protocol]
        if self.priv_key:
            kwargs["privKey"] = self.priv_key
            kwargs["privProtocol"] = PRIV_PROTOCOLS[self.priv_protocol]
        return UsmUserData(self.user, **kwargs)

    def _engine_key(self) -> tuple:
        if self.version != "3":
            return ("community",)
        return (
            "usm",
            self.user,
            self.auth_protocol,
            self.auth_key,
            self.priv_protocol,
            self.priv_key,
        )


@dataclass
class PollResult:
    """Outcome of one device in :func:`poll_many`.

    ``values`` maps each requested OID to its value (``None`` when the agent has no
    such object); ``error`` is the :class:`SnmpError` when the whole request
    failed. ``index`` is the position of the job in the input.
    """

    index: int
    target: SnmpTarget
    values: dict[str, Any] = field(default_factory=dict)
    error: SnmpError | None = None
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def error_kind(self) -> str | None:
        """``timeout``/``auth``/``crypto``/``no_such_object``/``protocol``/
        ``config``/``error`` or ``None``."""
        if self.error is None:
            return None
        return _ERROR_KINDS.get(type(self.error), "error")


_ERROR_KINDS = {
    SnmpTimeoutError: "timeout",
    SnmpAuthError: "auth",
    SnmpCryptoUnavailableError: "crypto",
    SnmpNoSuchObjectError: "no_such_object",
    SnmpProtocolError: "protocol",
    SnmpConfigError: "config",
}


# --------------------------------------------------------------------------- helpers


def normalize_oid(oid) -> str:
    """``".1.3.6.1"``, ``"1.3.6.1"`` or ``(1, 3, 6, 1)`` -> ``"1.3.6.1"``.

    Only numeric OIDs are accepted (no MIB names).
    """
    if isinstance(oid, (tuple, list)):
        parts = [str(int(p)) for p in oid]
    else:
        text = str(oid).strip().lstrip(".")
        parts = text.split(".") if text else []
    if len(parts) < 2 or not all(p.isdigit() for p in parts):
        raise SnmpConfigError(f"not a numeric OID: {oid!r}")
    if int(parts[0]) > 2 or any(int(p) > 0xFFFFFFFF for p in parts):
        raise SnmpConfigError(f"OID out of range: {oid!r}")
    return ".".join(str(int(p)) for p in parts)


def _oid_tuple(oid: str) -> tuple[int, ...]:
    return tuple(int(p) for p in oid.split("."))


def to_python(value):
    """Convert a pysnmp value to a plain Python value.

    Integers, counters, gauges and TimeTicks -> ``int``; printable OCTET STRING ->
    ``str``; other OCTET STRING -> ``"0x..."`` hex; OID and IpAddress -> dotted
    ``str``; noSuchObject/noSuchInstance/endOfMibView/NULL -> ``None``.
    """
    if isinstance(
        value,
        (rfc1905.NoSuchObject, rfc1905.NoSuchInstance, rfc1905.EndOfMibView),
    ):
        return None
    if isinstance(value, rfc1902.IpAddress):
        return ".".join(str(b) for b in value.asOctets())
    if isinstance(value, rfc1902.ObjectIdentifier):
        return ".".join(str(p) for p in value)
    if isinstance(value, rfc1902.OctetString):
        raw = value.asOctets()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return "0x" + raw.hex()
        if text.isprintable() or all(c.isprintable() or c in "\r\n\t" for c in text):
            return text
        return "0x" + raw.hex()
    if isinstance(value, rfc1902.Null):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value.prettyPrint()


def _is_missing(value) -> bool:
    return isinstance(value, (rfc1905.NoSuchObject, rfc1905.NoSuchInstance))


def _crypto_available() -> bool:
    """False when pysnmp could not import its ciphers (it records that in a
    module flag and later fails each authPriv request)."""
    return not getattr(pysnmp_aes, "PysnmpCryptoError", False)


def _cryptography_version() -> str:
    try:
        return metadata.version("cryptography")
    except metadata.PackageNotFoundError:
        return "not installed"


def crypto_unavailable_message() -> str:
    return (
        "SNMPv3 privacy (DES/AES) is not available on this server: pysnmp reported "
        "'Ciphering services not available' because it could not load the ciphers "
        "from the 'cryptography' package (installed: %s; pysnmp 7.1 needs "
        "cryptography>=47 for cryptography.hazmat.decrepit). Upgrade cryptography, "
        "pyOpenSSL and urllib3 together as pinned in requirements.txt, then restart "
        "the server. SNMPv2c and SNMPv3 authNoPriv are unaffected."
    ) % _cryptography_version()


_AUTH_INDICATIONS = (
    errind.UnknownUserName,
    errind.WrongDigest,
    errind.AuthenticationFailure,
    errind.AuthenticationError,
    errind.UnknownSecurityName,
    errind.UnsupportedSecurityLevel,
    errind.NotInTimeWindow,
    errind.UnknownEngineID,
    errind.UnsupportedAuthProtocol,
    errind.UnsupportedPrivProtocol,
)


def _raise_for_indication(target: SnmpTarget, indication) -> None:
    """Map a pysnmp errorIndication to our exception hierarchy (never returns)."""
    where = target.address
    text = target.scrub(str(indication))
    if isinstance(indication, errind.RequestTimedOut):
        tries = 1 + target.retries
        hint = (
            "wrong SNMPv3 credentials or context"
            if target.version == "3"
            else f"wrong SNMPv{target.version} community (agents drop those silently)"
        )
        raise SnmpTimeoutError(
            f"SNMP timeout: no response from {where} after {tries} "
            f"tr{'y' if tries == 1 else 'ies'} of {target.timeout:g} s "
            f"(host down or unreachable, agent not running, firewall, or {hint})",
            where,
        )
    if isinstance(indication, errind.EncryptionError) or (
        isinstance(indication, errind.DecryptionError) and not _crypto_available()
    ):
        raise SnmpCryptoUnavailableError(crypto_unavailable_message(), where)
    if isinstance(indication, errind.DecryptionError):
        raise SnmpAuthError(
            f"SNMPv3 decryption failed with {where} (user {target.user!r}): "
            "wrong privacy key or privacy protocol",
            where,
        )
    if isinstance(indication, _AUTH_INDICATIONS):
        raise SnmpAuthError(
            f"SNMPv3 authentication failed with {where} (user {target.user!r}, "
            f"{target.security_level}): {text}; check user, keys and protocols",
            where,
        )
    if isinstance(indication, errind.UnknownCommunityName):
        raise SnmpAuthError(f"SNMP community rejected by {where}", where)
    raise SnmpError(f"SNMP error with {where}: {text}", where)


def _raise_for_status(target: SnmpTarget, status, index, var_binds, oids) -> None:
    where = target.address
    name = status.prettyPrint() if hasattr(status, "prettyPrint") else str(status)
    bad_oid = None
    try:
        if index and int(index) > 0:
            bad_oid = str(var_binds[int(index) - 1][0])
    except (IndexError, TypeError, ValueError):
        bad_oid = None
    if bad_oid is None and index and oids and 0 < int(index) <= len(oids):
        bad_oid = oids[int(index) - 1]
    if name == "noSuchName":  # SNMPv1 way of saying "no such object"
        raise SnmpNoSuchObjectError(
            f"no such object on {where}: {bad_oid or ', '.join(oids)}",
            where,
            [bad_oid] if bad_oid else oids,
        )
    raise SnmpProtocolError(
        f"agent {where} answered error-status {name}"
        + (f" at {bad_oid}" if bad_oid else ""),
        where,
    )


# --------------------------------------------------------------------------- client


class _NoMibCompiler:
    """Stands in for pysmi's MIB compiler: we only use numeric OIDs.

    When pysmi is installed (snmpsim pulls it in), pysnmp attaches a MIB compiler to
    every new MIB builder on first use, building a parser that costs ~0.8 s per
    engine. Numeric OIDs never need it; a missing MIB then fails as it would
    without pysmi.
    """

    def compile(self, *names, **kwargs):
        return dict.fromkeys(names, "missing")


def _new_engine() -> SnmpEngine:
    engine = SnmpEngine()
    builder = mib_builder.MibBuilder()
    builder.set_mib_compiler(_NoMibCompiler(), mib_compiler.DEFAULT_DEST)
    engine.cache["mibViewController"] = mib_view.MibViewController(builder)
    return engine


class AsyncSnmpClient:
    """Asyncio SNMP client; one instance per event loop.

    Use as ``async with AsyncSnmpClient() as client: await client.get(...)``.

    * SNMPv1/v2c go through pysnmp's ``hlapi.v1arch.asyncio`` with one shared
      ``SnmpDispatcher``: the community travels in each message, nothing is
      configured per device.
    * SNMPv3 goes through ``hlapi.v3arch.asyncio`` with one ``SnmpEngine`` per
      credential set (USM user table, engine-id discovery, keys localisation).

    Why not v3arch for v2c as well: v3arch enters every community and target
    address in the engine's SNMP-COMMUNITY/SNMP-TARGET MIB tables (~3 ms of MIB
    writes per device, 4 s for 1,000 devices) before the first request, and
    rebuilds its lookup maps after each change (O(N^2) when targets are added
    while requests are in flight). v1arch has neither cost.

    Everything is created lazily and released by :meth:`close`.
    """

    def __init__(self):
        self._dispatcher: v1.SnmpDispatcher | None = None
        self._engines: dict[tuple, SnmpEngine] = {}
        self._transports: dict[tuple, Any] = {}
        self._auth: dict[tuple, Any] = {}

    async def __aenter__(self) -> AsyncSnmpClient:
        return self

    async def __aexit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._dispatcher is not None:
            try:
                self._dispatcher.close()
            except Exception:  # pragma: no cover - best effort on shutdown
                _logger.debug("closing SNMP dispatcher failed", exc_info=True)
            self._dispatcher = None
        for engine in self._engines.values():
            try:
                engine.close_dispatcher()
            except Exception:  # pragma: no cover - best effort on shutdown
                _logger.debug("closing SNMP engine failed", exc_info=True)
        self._engines.clear()
        self._transports.clear()
        self._auth.clear()

    # -- plumbing
    def _engine(self, target: SnmpTarget) -> SnmpEngine:
        key = target._engine_key()
        engine = self._engines.get(key)
        if engine is None:
            engine = self._engines[key] = _new_engine()
        return engine

    def _v1_dispatcher(self) -> v1.SnmpDispatcher:
        if self._dispatcher is None:
            self._dispatcher = v1.SnmpDispatcher()
        return self._dispatcher

    def _auth_data(self, target: SnmpTarget):
        key = target._engine_key() + (target.version, target.community)
        auth = self._auth.get(key)
        if auth is None:
            if target.version == "3":
                auth = target._usm_user_data()
            else:
                auth = v1.CommunityData(
                    target.community, mpModel=0 if target.version == "1" else 1
                )
            self._auth[key] = auth
        return auth

    async def _transport(self, target: SnmpTarget):
        arch = "v3" if target.version == "3" else "v1"
        cls = UdpTransportTarget if arch == "v3" else v1.UdpTransportTarget
        key = (arch, target.host, int(target.port), target.timeout, target.retries)
        transport = self._transports.get(key)
        if transport is None:
            try:
                ipaddress.IPv4Address(target.host)
            except ValueError:
                try:
                    transport = await cls.create(
                        (target.host, int(target.port)),
                        timeout=float(target.timeout),
                        retries=int(target.retries),
                    )
                except Exception as exc:
                    raise SnmpTimeoutError(
                        f"cannot resolve SNMP host {target.host!r}: "
                        f"{target.scrub(str(exc))}",
                        target.address,
                    ) from None
            else:
                # IPv4 literal: the object cls.create() builds, minus a getaddrinfo()
                # round trip through the default executor for every device.
                transport = cls.__new__(cls)
                transport.transport_address = (target.host, int(target.port))
                transport.__init__(
                    timeout=float(target.timeout), retries=int(target.retries)
                )
            self._transports[key] = transport
        return transport

    async def _preconfigure(self, targets: Iterable[SnmpTarget]) -> None:
        """Enter every SNMPv3 target in its engine's configuration up front.

        pysnmp v3arch rebuilds its target lookup maps (a scan of the whole table)
        whenever the configuration changed since the last message; adding targets
        one by one while requests are in flight makes polling N devices O(N^2).
        Configuring them all first leaves one rebuild.
        """
        seen = set()
        for target in targets:
            if target.version != "3":
                continue
            key = (
                target._engine_key(),
                target.host,
                target.port,
                target.timeout,
                target.retries,
            )
            if key in seen:
                continue
            seen.add(key)
            try:
                LCD.configure(
                    self._engine(target),
                    self._auth_data(target),
                    await self._transport(target),
                    self._context(target).contextName,
                )
            except Exception:  # noqa: BLE001 - the real request reports the error
                _logger.debug("pre-configuring %s failed", target.label, exc_info=True)

    def _context(self, target: SnmpTarget) -> ContextData:
        if target.version == "3" and target.context_name:
            return ContextData(contextName=target.context_name)
        return ContextData()

    async def _request(self, target: SnmpTarget, op: str, oids, max_repetitions=0):
        """One GET / GETNEXT / GETBULK; returns ``(name, value)`` pairs.

        Raises our exceptions for error indications and error-status.
        """
        transport = await self._transport(target)
        try:
            if target.version == "3":
                func = {"get": get_cmd, "next": next_cmd, "bulk": bulk_cmd}[op]
                extra = (0, max_repetitions) if op == "bulk" else ()
                result = await func(
                    self._engine(target),
                    self._auth_data(target),
                    transport,
                    self._context(target),
                    *extra,
                    *[ObjectType(ObjectIdentity(o)) for o in oids],
                    lookupMib=False,
                )
            else:
                func = {"get": v1.get_cmd, "next": v1.next_cmd, "bulk": v1.bulk_cmd}[op]
                extra = (0, max_repetitions) if op == "bulk" else ()
                # plain (name, NULL) tuples: no MIB lookup at all in v1arch
                result = await func(
                    self._v1_dispatcher(),
                    self._auth_data(target),
                    transport,
                    *extra,
                    *[(ObjectName(o), rfc1902.Null("")) for o in oids],
                    lookupMib=False,
                )
        except (SnmpError, asyncio.CancelledError):
            raise
        except Exception as exc:
            text = target.scrub(f"{type(exc).__name__}: {exc}")
            if "Ciphering services not available" in text:
                raise SnmpCryptoUnavailableError(
                    crypto_unavailable_message(), target.address
                ) from None
            raise SnmpError(
                f"SNMP request to {target.address} failed: {text}", target.address
            ) from None
        indication, status, index, answer = result
        if indication:
            _raise_for_indication(target, indication)
        if status:
            if op != "get" and str(status.prettyPrint()) == "noSuchName":
                return []  # SNMPv1 end of MIB view during a walk
            _raise_for_status(target, status, index, answer, list(oids))
        return [(vb[0], vb[1]) for vb in answer]

    # -- operations
    async def get(self, target: SnmpTarget, oids: Sequence, *, strict: bool = True):
        """GET ``oids`` in one PDU; returns ``{oid: value}`` in request order.

        ``strict``: raise :class:`SnmpNoSuchObjectError` when some OID does not
        exist on the agent; otherwise those map to ``None``.
        """
        wanted = [normalize_oid(o) for o in oids]
        if not wanted:
            return {}
        started = time.monotonic()
        answer = await self._request(target, "get", wanted)
        values: dict[str, Any] = {}
        missing = []
        for oid, (name, value) in zip(wanted, answer, strict=False):
            got = str(name)
            if got != oid:
                raise SnmpProtocolError(
                    f"agent {target.address} answered {got} for {oid}", target.address
                )
            if _is_missing(value):
                missing.append(oid)
            values[oid] = to_python(value)
        if len(answer) != len(wanted):
            raise SnmpProtocolError(
                f"agent {target.address} answered {len(answer)} values for "
                f"{len(wanted)} OIDs",
                target.address,
            )
        if missing and strict:
            raise SnmpNoSuchObjectError(
                f"no such object on {target.address}: {', '.join(missing)}",
                target.address,
                missing,
            )
        _logger.debug(
            "SNMP GET %s: %d OIDs in %.1f ms",
            target.label,
            len(wanted),
            (time.monotonic() - started) * 1000,
        )
        return values

    async def bulk_walk(
        self,
        target: SnmpTarget,
        oid,
        *,
        max_repetitions: int = 25,
        max_rows: int = MAX_WALK_ROWS,
    ) -> list[tuple[str, Any]]:
        """Walk the subtree under ``oid`` with GETBULK (GETNEXT for SNMPv1).

        Returns ``[(oid, value), ...]`` in lexicographic order, only OIDs inside
        the subtree.
        """
        base = normalize_oid(oid)
        base_name = ObjectName(base)
        rows: list[tuple[str, Any]] = []
        current = base_name
        last: tuple[int, ...] = ()
        use_next = target.version == "1"
        while True:
            answer = await self._request(
                target,
                "next" if use_next else "bulk",
                [current],
                max_repetitions=max(1, int(max_repetitions)),
            )
            if not answer:
                break
            done = False
            for name, value in answer:
                if isinstance(value, rfc1905.EndOfMibView) or not base_name.isPrefixOf(
                    name
                ):
                    done = True
                    break
                as_tuple = tuple(name)
                if last and as_tuple <= last:
                    raise SnmpProtocolError(
                        f"agent {target.address} returned non-increasing OID "
                        f"{name} during walk of {base}",
                        target.address,
                    )
                last = as_tuple
                rows.append((str(name), to_python(value)))
                if len(rows) >= max_rows:
                    _logger.warning(
                        "SNMP walk of %s on %s stopped at %d rows",
                        base,
                        target.label,
                        max_rows,
                    )
                    return rows
            if done:
                break
            current = ObjectName(last)
        return rows

    async def walk(self, target: SnmpTarget, oid, **kw) -> list[tuple[str, Any]]:
        """Alias of :meth:`bulk_walk` (GETNEXT is used automatically for v1)."""
        return await self.bulk_walk(target, oid, **kw)

    async def poll_many(
        self,
        jobs: Iterable[tuple[SnmpTarget, Sequence]],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        strict: bool = False,
    ) -> list[PollResult]:
        """GET a list of OIDs from many devices, ``concurrency`` at a time.

        ``jobs`` is an iterable of ``(target, oids)``. Never raises for a device:
        each :class:`PollResult` carries either values or the error. Results are
        in input order.
        """
        jobs = list(jobs)
        semaphore = asyncio.Semaphore(max(1, int(concurrency)))

        async def one(i: int, target: SnmpTarget, oids: Sequence) -> PollResult:
            async with semaphore:
                started = time.monotonic()
                result = PollResult(index=i, target=target)
                try:
                    result.values = await self.get(target, oids, strict=strict)
                except SnmpError as exc:
                    result.error = exc
                except Exception as exc:  # defensive: one device never kills the run
                    result.error = SnmpError(
                        f"unexpected error polling {target.address}: "
                        f"{target.scrub(f'{type(exc).__name__}: {exc}')}",
                        target.address,
                    )
                result.duration_ms = (time.monotonic() - started) * 1000
                if result.error is not None:
                    _logger.info("SNMP poll %s failed: %s", target.label, result.error)
                return result

        await self._preconfigure(t for t, _ in jobs)
        results = await asyncio.gather(*(one(i, t, o) for i, (t, o) in enumerate(jobs)))
        return list(results)


# --------------------------------------------------------------------------- sync API


def run_sync(factory: Callable[[], Awaitable[T]]) -> T:
    """Run the coroutine made by ``factory()`` to completion and return its result.

    Works from plain threads (Odoo workers, cron threads) with ``asyncio.run``. If
    the calling thread already runs an event loop, the coroutine runs in a
    short-lived helper thread with its own loop instead of failing.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="tc-snmp") as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


async def _with_client(method: str, *args, **kwargs):
    async with AsyncSnmpClient() as client:
        return await getattr(client, method)(*args, **kwargs)


def get(target: SnmpTarget, oids: Sequence, *, strict: bool = True) -> dict[str, Any]:
    """Synchronous :meth:`AsyncSnmpClient.get`."""
    return run_sync(lambda: _with_client("get", target, oids, strict=strict))


def bulk_walk(
    target: SnmpTarget,
    oid,
    *,
    max_repetitions: int = 25,
    max_rows: int = MAX_WALK_ROWS,
) -> list[tuple[str, Any]]:
    """Synchronous :meth:`AsyncSnmpClient.bulk_walk`."""
    return run_sync(
        lambda: _with_client(
            "bulk_walk", target, oid, max_repetitions=max_repetitions, max_rows=max_rows
        )
    )


walk = bulk_walk


def poll_many(
    jobs: Iterable[tuple[SnmpTarget, Sequence]],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    strict: bool = False,
) -> list[PollResult]:
    """Synchronous :meth:`AsyncSnmpClient.poll_many`."""
    jobs = list(jobs)
    return run_sync(
        lambda: _with_client("poll_many", jobs, concurrency=concurrency, strict=strict)
    )


__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "AsyncSnmpClient",
    "PollResult",
    "SnmpAuthError",
    "SnmpConfigError",
    "SnmpCryptoUnavailableError",
    "SnmpError",
    "SnmpNoSuchObjectError",
    "SnmpProtocolError",
    "SnmpTarget",
    "SnmpTimeoutError",
    "bulk_walk",
    "crypto_unavailable_message",
    "get",
    "normalize_oid",
    "poll_many",
    "run_sync",
    "to_python",
    "walk",
]
