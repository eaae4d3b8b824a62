"""Real clients (psycopg 3, asyncpg, psql) against the wire layer: auth methods, TLS, limits."""

import asyncio
import os
import shutil
import subprocess

import asyncpg
import psycopg
import pytest
from fakeserver import fake, start_fake, tls_files  # noqa: F401  (fixtures)
from rawclient import RawClient, error_fields, msg, startup_packet

from quantadb.util.passwords import md5_verifier, scram_verifier

ROLES = {"scram": scram_verifier("pw"), "md5u": md5_verifier("pw", "md5u"), "plain": scram_verifier("pw")}


@pytest.fixture(scope="module")
def auth_server():
    server = start_fake(ROLES, auth=["host all plain all password", "host all md5u all md5",
                                     "host all trusted all trust", "host all blocked all reject",
                                     "host all all all scram-sha-256"])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def tls_server(tls_files):
    server = start_fake(ROLES, tls_cert=str(tls_files / "server.crt"), tls_key=str(tls_files / "server.key"),
                        auth=["hostnossl all all all reject", "host all trusted all trust",
                              "host all all all scram-sha-256"])
    yield server
    server.stop()


@pytest.mark.parametrize("user", ["plain", "md5u", "scram"])
def test_password_methods_with_psycopg(auth_server, user):
    with psycopg.connect(auth_server.dsn(user, password="pw")) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        assert conn.info.parameter_status("server_version").startswith("15.")


@pytest.mark.parametrize("user", ["plain", "md5u", "scram", "ghost"])
def test_wrong_password_is_28p01(auth_server, user):
    with pytest.raises(psycopg.OperationalError) as e:
        psycopg.connect(auth_server.dsn(user, password="nope"))
    assert f'password authentication failed for user "{user}"' in str(e.value)


def test_failed_login_is_fatal_28p01_then_close(auth_server):
    c = RawClient(auth_server.host, auth_server.port)
    c.send(startup_packet({"user": "plain", "database": "db"}))
    assert c.read() == ("R", b"\0\0\0\x03")
    c.send(msg(b"p", b"wrong\0"))
    kind, body = c.read()
    assert kind == "E" and error_fields(body)["C"] == "28P01" and error_fields(body)["S"] == "FATAL"
    assert c.read() is None


def test_reject_rule_and_nologin_role(auth_server):
    with pytest.raises(psycopg.OperationalError) as e:
        psycopg.connect(auth_server.dsn("blocked"))
    assert "pg_hba.conf rejects connection" in str(e.value)
    with pytest.raises(psycopg.OperationalError) as e:
        psycopg.connect(auth_server.dsn("nologin", password="x"))
    assert "nologin" in str(e.value)


def test_asyncpg_scram_and_extended_protocol(auth_server):
    async def go():
        conn = await asyncpg.connect(host=auth_server.host, port=auth_server.port, user="scram",
                                     password="pw", database="db", ssl=False)
        try:
            assert await conn.fetchval("SELECT 1") == 1
            assert [r[0] for r in await conn.fetch("ROWS 3")] == [1, 2, 3]
        finally:
            await conn.close()
        with pytest.raises(asyncpg.InvalidPasswordError):
            await asyncpg.connect(host=auth_server.host, port=auth_server.port, user="scram",
                                  password="bad", database="db", ssl=False)
    asyncio.run(go())


def test_asyncpg_ssl_prefer_falls_back_to_plain(fake):
    async def go():
        conn = await asyncpg.connect(host=fake.host, port=fake.port, user="alice", database="db", ssl="prefer")
        try:
            assert await conn.fetchval("SELECT 1") == 1
        finally:
            await conn.close()
    asyncio.run(go())


def test_max_connections(fake):
    server = start_fake(max_connections=2)
    try:
        a = psycopg.connect(server.dsn())
        b = psycopg.connect(server.dsn())
        with pytest.raises(psycopg.OperationalError) as e:
            psycopg.connect(server.dsn())
        assert "too many clients" in str(e.value)
        a.close()
        with psycopg.connect(server.dsn()) as c:
            assert c.execute("SELECT 1").fetchone() == (1,)
        b.close()
    finally:
        server.stop()


needs_psql = pytest.mark.skipif(shutil.which("psql") is None, reason="psql not installed")


def psql(dsn: str, sql: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["psql", "-X", "-At", "-d", dsn, "-c", sql], capture_output=True, text=True,
                          timeout=30, env={**os.environ, "PGCONNECT_TIMEOUT": "10", **env})


@needs_psql
def test_psql_sslmode_require_and_verify_full(tls_server, tls_files):
    base = f"host=localhost port={tls_server.port} user=trusted dbname=db"
    r = psql(base + " sslmode=require", "SELECT 1")
    assert r.returncode == 0 and r.stdout.strip() == "1", r.stderr
    r = psql(base + f" sslmode=verify-full sslrootcert={tls_files / 'ca.crt'}", "SELECT 1")
    assert r.returncode == 0 and r.stdout.strip() == "1", r.stderr
    r = psql(base + " sslmode=disable", "SELECT 1")
    assert r.returncode != 0 and "rejects connection" in r.stderr


@needs_psql
@pytest.mark.parametrize("channel_binding", ["require", "disable", "prefer"])
def test_psql_scram_over_tls(tls_server, channel_binding):
    dsn = (f"host=127.0.0.1 port={tls_server.port} user=scram dbname=db sslmode=require "
           f"channel_binding={channel_binding}")
    r = psql(dsn, "SELECT 1", PGPASSWORD="pw")
    assert r.returncode == 0 and r.stdout.strip() == "1", r.stderr
    r = psql(dsn, "SELECT 1", PGPASSWORD="wrong")
    assert r.returncode != 0 and "password authentication failed" in r.stderr


def test_asyncpg_over_tls_uses_plain_scram(tls_server, tls_files):
    import ssl

    async def go():
        ctx = ssl.create_default_context(cafile=str(tls_files / "ca.crt"))
        conn = await asyncpg.connect(host="localhost", port=tls_server.port, user="scram", password="pw",
                                     database="db", ssl=ctx)
        try:
            assert await conn.fetchval("SELECT 1") == 1
        finally:
            await conn.close()
    asyncio.run(go())
