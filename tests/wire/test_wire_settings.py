"""Server settings seen through clients: TLS, statement_timeout default, login errors, limits."""

import subprocess
import threading

import psycopg
import pytest
from fakeserver import tls_files  # noqa: F401  (fixture)


def test_login_errors(server):
    with pytest.raises(psycopg.OperationalError, match='database "no_such_db" does not exist'):
        psycopg.connect(server.conninfo(dbname="no_such_db"))
    with pytest.raises(psycopg.OperationalError, match='role "no_such_role" does not exist'):
        psycopg.connect(server.conninfo(user="no_such_role"))


def test_tls_and_statement_timeout_flags(start_quantadb, tls_files):
    srv = start_quantadb("--tls-cert", str(tls_files / "server.crt"), "--tls-key", str(tls_files / "server.key"),
                         "--statement-timeout-ms", "300", "--max-connections", "3")
    dsn = srv.conninfo(host="localhost", sslmode="verify-full", sslrootcert=str(tls_files / "ca.crt"))
    r = subprocess.run(["psql", "-X", "-At", "-d", dsn, "-c", "SELECT 1"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stdout.strip() == "1", r.stderr
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.info.pgconn.ssl_in_use
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(10)")
        assert conn.execute("SELECT 1").fetchone() == (1,)
        conn.execute("SET statement_timeout = 0")
        threading.Timer(0.5, conn.cancel_safe).start()  # libpq 17: SSLRequest, TLS, then CancelRequest
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(20)")
    conns = [psycopg.connect(srv.dsn) for _ in range(3)]
    with pytest.raises(psycopg.OperationalError, match="too many clients"):
        psycopg.connect(srv.dsn)
    for c in conns:
        c.close()
    assert srv.stop() == 0


def test_scram_login_for_a_role_created_with_sql(start_quantadb):
    srv = start_quantadb("--auth", "host all postgres 127.0.0.1/32 trust",
                         "--auth", "host all all all scram-sha-256")
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE ROLE app LOGIN PASSWORD 's3cret'")
        conn.execute("CREATE ROLE nologin_role PASSWORD 'x'")
    with psycopg.connect(srv.conninfo(user="app", password="s3cret")) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("app",)
    with pytest.raises(psycopg.OperationalError, match='password authentication failed for user "app"'):
        psycopg.connect(srv.conninfo(user="app", password="wrong"))
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        psycopg.connect(srv.conninfo(user="nologin_role", password="x"))
    assert srv.stop() == 0
