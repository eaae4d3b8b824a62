"""The command line and settings: --version, flag > env > file > default, bad settings."""

import json
import subprocess
import sys
import urllib.request

import psycopg
import pytest

from quantadb import __version__
from quantadb.config import Settings, load


def test_version():
    r = subprocess.run([sys.executable, "-m", "quantadb", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == f"quantadb {__version__}"


def test_defaults():
    s = load({}, None, environ={})
    assert s == Settings()
    assert (s.port, s.http_port, s.max_connections, s.fsync) == (5432, 8432, 100, True)


def test_precedence_flag_env_file_default(tmp_path):
    cfg = tmp_path / "q.toml"
    cfg.write_text('port = 6000\nhttp_port = 6001\nnode_id = "file"\nfsync = false\n'
                   'auth = ["host all all all md5"]\nmax_connections = 7\n')
    env = {"QUANTADB_PORT": "6500", "QUANTADB_HTTP_PORT": "6501",
           "QUANTADB_AUTH": "host all all 127.0.0.1/32 trust; host all all all reject"}
    s = load({"port": "7000"}, str(cfg), environ=env)
    assert s.port == 7000  # flag
    assert s.http_port == 6501  # env beats file
    assert s.node_id == "file" and s.fsync is False and s.max_connections == 7  # file beats default
    assert s.auth == ["host all all 127.0.0.1/32 trust", "host all all all reject"]
    assert s.data_dir == "./data"  # default


@pytest.mark.parametrize("flags,env,message", [
    ({"port": "abc"}, {}, "invalid value for port"),
    ({}, {"QUANTADB_FSYNC": "maybe"}, "QUANTADB_FSYNC"),
    ({"tls_cert": "a.pem"}, {}, "tls_cert and tls_key"),
    ({"auth": ["host all all all kerberos"]}, {}, "invalid authentication method"),
    ({"log_level": "loud"}, {}, "log_level"),
    ({}, {"QUANTADB_EVENT_LOOP": "trio"}, "event_loop must be one of uvloop, asyncio"),
])
def test_invalid_settings(flags, env, message):
    with pytest.raises(ValueError, match=message):
        load(flags, None, environ=env)


def test_unknown_key_in_config_file(tmp_path):
    cfg = tmp_path / "q.toml"
    cfg.write_text("prot = 1\n")
    with pytest.raises(ValueError, match="unrecognized setting 'prot'"):
        load({}, str(cfg), environ={})


def test_bad_flag_exits_2():
    r = subprocess.run([sys.executable, "-m", "quantadb", "serve", "--port", "x"], capture_output=True, text=True)
    assert r.returncode == 2 and "invalid value for port" in r.stderr


def test_serve_reads_config_file_and_environment(tmp_path, start_quantadb):
    cfg = tmp_path / "q.toml"
    cfg.write_text('node_id = "from-file"\nmax_connections = 3\n')
    srv = start_quantadb("--config", str(cfg), env={"QUANTADB_NODE_ID": "from-env"})
    with urllib.request.urlopen(srv.http_url + "/cluster/status", timeout=10) as r:
        assert json.load(r)["node_id"] == "from-env"
    assert srv.stop() == 0


@pytest.mark.parametrize("loop,module", [("uvloop", "uvloop"), ("asyncio", "asyncio.unix_events")])
def test_serve_on_either_event_loop(start_quantadb, loop, module):
    srv = start_quantadb("--event-loop", loop)
    assert f"(event loop: {module})" in srv.log_text()
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (a int PRIMARY KEY)")
        with conn.transaction():
            conn.execute("INSERT INTO t VALUES (1), (2)")
        assert conn.execute("SELECT sum(a) FROM t").fetchone() == (3,)
    assert srv.stop() == 0
