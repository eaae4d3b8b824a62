"""Connection start-up: SSL/GSS negotiation, StartupMessage, authentication, session creation.

Sequence (protocol.sgml "Start-up"): any number of SSLRequest/GSSENCRequest (answered with
one byte, 'S' then a TLS handshake or 'N'), then either a CancelRequest (no reply, close) or a
StartupMessage. Then NegotiateProtocolVersion if the client asked for 3.x>0 or `_pq_.`
options, the authentication exchange chosen by the hba rules, AuthenticationOk, the session,
ParameterStatus*, BackendKeyData, ReadyForQuery. A failed login ends with a FATAL
ErrorResponse and the socket is closed: never a ReadyForQuery.
"""

from __future__ import annotations

import logging
import os
import re
from typing import TYPE_CHECKING

from quantadb.errors import (FeatureNotSupported, InvalidAuthorizationSpecification, InvalidParameterValue,
                             ProtocolViolation, SyntaxError, TooManyConnections)
from quantadb.util.passwords import check_plaintext, parse_scram_verifier
from quantadb.wire import backend
from quantadb.wire.auth import SCRAM, ScramExchange, check_md5, password_failed
from quantadb.wire.frontend import (CANCEL_REQUEST, GSSENC_REQUEST, SSL_REQUEST, decode_password,
                                    decode_sasl_initial)
from quantadb.wire.hba import find_method

if TYPE_CHECKING:
    from quantadb.wire.connection import Connection

log = logging.getLogger("quantadb.wire")


class StartupDone(Exception):
    """The connection ends quietly (CancelRequest, client gone during start-up)."""


def normalize_encoding(value: str) -> str:
    """PostgreSQL's spelling of a client_encoding value; quotes and punctuation ignored."""
    key = re.sub(r"[^0-9a-z]", "", value.lower())
    if key in ("utf8", "unicode"):
        return "UTF8"
    if key == "sqlascii":
        return "SQL_ASCII"
    raise InvalidParameterValue(f'invalid value for parameter "client_encoding": "{value}"', severity="FATAL")


async def start(conn: "Connection") -> None:
    """Run start-up to ReadyForQuery; raises StartupDone or a FATAL SqlError on failure."""
    server = conn.server
    while True:
        packet = await conn.read_startup()
        if packet.code == SSL_REQUEST:
            if server.ssl_context is not None and not conn.tls:
                await conn.write_now(b"S")
                if conn.msgs.buffered:
                    raise ProtocolViolation("received unencrypted data after SSL request", severity="FATAL")
                await conn.start_tls(server.ssl_context)
            else:
                await conn.write_now(b"N")
            continue
        if packet.code == GSSENC_REQUEST:
            await conn.write_now(b"N")
            continue
        if packet.code == CANCEL_REQUEST:
            server.cancel(packet.cancel_pid, packet.cancel_secret)
            raise StartupDone()
        break
    major, minor = packet.code >> 16, packet.code & 0xFFFF
    if major != 3:
        raise FeatureNotSupported(f"unsupported frontend protocol {major}.{minor}: "
                                  "server supports 3.0 to 3.0", severity="FATAL")
    params = packet.params
    options = [k for k in params if k.startswith("_pq_.")]
    if minor > 0 or options:
        conn.send(backend.negotiate_protocol_version(0, options))
        for k in options:
            del params[k]
    conn.counted = True
    server.starting += 1
    if server.starting > server.config.max_connections:
        raise TooManyConnections("sorry, too many clients already", severity="FATAL")
    user = params.get("user", "")
    if not user:
        raise InvalidAuthorizationSpecification("no PostgreSQL user name specified in startup packet",
                                                severity="FATAL")
    database = params.get("database") or user
    params["database"] = database
    for name, value in command_line_settings(params.pop("options", "")):
        params.setdefault(name, value)  # a parameter of its own in the packet wins, as in PostgreSQL
    if "client_encoding" in params:
        params["client_encoding"] = normalize_encoding(params["client_encoding"])
    if server.config.statement_timeout_ms > 0:
        params.setdefault("statement_timeout", str(server.config.statement_timeout_ms))
    await authenticate(conn, user, database)
    conn.send(backend.AUTHENTICATION_OK)
    conn.pid, conn.secret = server.new_backend_key()
    session = server.db.connect(user, database, params, conn.pid, conn.secret)
    session.on_terminate = conn.request_termination  # pg_terminate_backend() from another session
    session.notifications.wake = conn.request_notifications  # a NOTIFY committed (engine/notify.py)
    conn.session = session
    server.register(conn)
    for name, value in session.startup_parameters().items():
        conn.send(backend.parameter_status(name, value))
    conn.send(backend.backend_key_data(conn.pid, conn.secret))
    conn.send(backend.ready_for_query(session.transaction_status))
    conn.answered = session.transaction_status  # the idle timeout starts (see Connection._await_request)
    log.debug("[wire] session pid=%d user=%s database=%s from %s%s", conn.pid, user, database,
              conn.address, " (TLS)" if conn.tls else "")


def command_line_settings(options: str) -> list[tuple[str, str]]:
    """The settings in the `options` startup parameter (libpq's PGOPTIONS): `-c name=value` or
    `--name=value` (dashes in the name read as underscores), split at whitespace that no
    backslash escapes, as PostgreSQL's pg_split_opts and process_postgres_switches read them."""
    args, word, pending = [], [], False
    chars = iter(options)
    for ch in chars:
        if ch.isspace():
            if pending:
                args.append("".join(word))
                word, pending = [], False
            continue
        word.append(next(chars, "") if ch == "\\" else ch)
        pending = True
    if pending:
        args.append("".join(word))
    out = []
    words = iter(args)
    for arg in words:
        if arg == "-c":
            flag, option = "-c ", next(words, "")
        elif arg.startswith("-c"):
            flag, option = "-c ", arg[2:]
        elif arg.startswith("--") and len(arg) > 2:
            flag, option = "--", arg[2:]
        else:
            raise SyntaxError(f"invalid command-line argument for server process: {arg}",
                              hint='Try "postgres --help" for more information.', severity="FATAL")
        name, eq, value = option.partition("=")
        if not eq:
            raise SyntaxError(f"{flag}{name} requires a value", severity="FATAL")
        out.append((name.replace("-", "_"), value))
    return out


def _hba_message(conn: "Connection", user: str, database: str) -> str:
    enc = "SSL encryption" if conn.tls else "no encryption"
    return f'host "{conn.address}", user "{user}", database "{database}", {enc}'


async def authenticate(conn: "Connection", user: str, database: str) -> None:
    server = conn.server
    method = find_method(server.hba_rules, conn.address, conn.tls, database, user)
    if method is None:
        raise InvalidAuthorizationSpecification(
            f"no pg_hba.conf entry for {_hba_message(conn, user, database)}", severity="FATAL")
    if method == "reject":
        raise InvalidAuthorizationSpecification(
            f"pg_hba.conf rejects connection for {_hba_message(conn, user, database)}", severity="FATAL")
    role = server.db.role_auth(user)
    if method != "trust":
        stored = role.password if role is not None else None
        if method == "password":
            await _cleartext(conn, user, stored)
        elif method == "md5" and not (stored and parse_scram_verifier(stored)):
            await _md5(conn, user, stored)
        else:
            await _scram(conn, user, stored)
    if role is not None and not role.can_login:
        raise InvalidAuthorizationSpecification(f'role "{user}" is not permitted to log in', severity="FATAL")


async def _password_message(conn: "Connection") -> bytes:
    kind, body = await conn.read_message()
    if kind != "p":
        raise ProtocolViolation(f"expected password response, got message type {ord(kind)}", severity="FATAL")
    return body


async def _cleartext(conn: "Connection", user: str, stored: str | None) -> None:
    await conn.write_now(backend.AUTHENTICATION_CLEARTEXT)
    password = decode_password(await _password_message(conn))
    if not password:
        raise password_failed(user, "password")
    if stored is None or not check_plaintext(password, user, stored):
        raise password_failed(user, "password")


async def _md5(conn: "Connection", user: str, stored: str | None) -> None:
    salt = os.urandom(4)
    await conn.write_now(backend.authentication_md5(salt))
    response = decode_password(await _password_message(conn))
    if not check_md5(user, stored, salt, response):
        raise password_failed(user, "md5")


async def _scram(conn: "Connection", user: str, stored: str | None) -> None:
    exchange = ScramExchange(user, stored, conn.channel_binding())
    await conn.write_now(backend.authentication_sasl(exchange.mechanisms()))
    mechanism, data = decode_sasl_initial(await _password_message(conn))
    await conn.write_now(backend.authentication_sasl_continue(exchange.first(mechanism, data)))
    final = exchange.final(await _password_message(conn))
    conn.send(backend.authentication_sasl_final(final))
    log.debug("[wire] %s authentication of %s succeeded", SCRAM, user)
