"""pgAdmin 4 in server mode as a subprocess, from the venv scripts/setup/20-pgadmin.sh builds.

Everything it writes (SQLite config database, sessions, log) goes under a scratch DATA_DIR; the
configuration reaches pgAdmin through CONFIG_DISTRO_FILE_PATH, so the installed package is never
modified. The initial user is created by `setup.py setup-db` from PGADMIN_SETUP_EMAIL/PASSWORD,
as pgAdmin's own container does.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
VENV = ROOT / ".venv-pgadmin"
EMAIL = "quantadb@example.com"
PASSWORD = "pgadmin-test-pw"

CONFIG = """\
SERVER_MODE = True
DATA_DIR = {data_dir!r}
DEFAULT_SERVER = "127.0.0.1"
DEFAULT_SERVER_PORT = {port}
UPGRADE_CHECK_ENABLED = False
MASTER_PASSWORD_REQUIRED = False
# every query pgAdmin sends, and each error, is in the log kept as a test artefact
FILE_LOG_LEVEL = 10
CONSOLE_LOG_LEVEL = 30
"""


def package_dir() -> Path | None:
    """The installed pgadmin4 package (holds setup.py), or None when the venv is missing."""
    found = sorted(VENV.glob("lib/python3*/site-packages/pgadmin4/setup.py"))
    return found[0].parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgAdmin:
    proc: subprocess.Popen
    url: str
    log_file: Path
    console_file: Path

    def failed_queries(self) -> list[str]:
        """The error of every query pgAdmin's log reports as failed ("Failed to execute query ...",
        then "Error Message:..." lines), with the id of the logged query it belongs to."""
        entries = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+: )", self.log_file.read_text())
        return [entry.split(": ", 1)[-1] for entry in entries if "Failed to execute query" in entry]

    def problems(self) -> str:
        """pgAdmin's own errors (failed queries, ERROR and CRITICAL log entries), for a failing
        test's report: CI keeps no artefacts."""
        if not self.log_file.exists():
            return "pgAdmin log: missing"
        entries = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+: )", self.log_file.read_text())
        bad = [e[:1500] for e in entries if "Failed to execute query" in e or ": ERROR" in e or ": CRITICAL" in e]
        return "pgAdmin log errors:\n" + ("\n".join(bad[-10:]) or "(none)")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _env(config_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "VIRTUAL_ENV"))}
    env.update(CONFIG_DISTRO_FILE_PATH=str(config_file), PGADMIN_SETUP_EMAIL=EMAIL,
               PGADMIN_SETUP_PASSWORD=PASSWORD, PATH=f"{VENV / 'bin'}:{env.get('PATH', '')}")
    return env


def start_pgadmin(work_dir: Path, timeout: float = 120.0) -> PgAdmin:
    """Create the configuration database with the initial user, then serve on a free port."""
    pkg = package_dir()
    assert pkg is not None, "pgAdmin is not installed: run scripts/setup/20-pgadmin.sh"
    data_dir = work_dir / "pgadmin-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config_file = work_dir / "pgadmin_config.py"
    config_file.write_text(CONFIG.format(data_dir=str(data_dir), port=port))
    env = _env(config_file)
    python = str(VENV / "bin" / "python")
    setup = subprocess.run([python, str(pkg / "setup.py"), "setup-db"], cwd=work_dir, env=env,
                           capture_output=True, text=True, timeout=timeout, check=False)
    assert setup.returncode == 0, f"pgAdmin setup-db failed:\n{setup.stdout[-3000:]}\n{setup.stderr[-3000:]}"
    console_file = work_dir / "pgadmin-console.log"
    with open(console_file, "w") as console:
        proc = subprocess.Popen([python, str(pkg / "pgAdmin4.py")], cwd=work_dir, env=env, stdout=console,
                                stderr=subprocess.STDOUT)
    pgadmin = PgAdmin(proc, f"http://127.0.0.1:{port}", data_dir / "pgadmin4.log", console_file)
    deadline = time.monotonic() + timeout
    while not _answers(pgadmin.url + "/misc/ping"):
        if proc.poll() is not None or time.monotonic() > deadline:
            pgadmin.stop()
            raise AssertionError(f"pgAdmin did not start:\n{console_file.read_text()[-3000:]}")
        time.sleep(0.5)
    return pgadmin


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False
