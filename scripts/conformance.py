"""Score QuantaDB on the external SQL conformance corpus (sqllogictest files, PostgreSQL 15 as oracle).

Starts a QuantaDB node on a temporary data directory (ports chosen by the OS), runs the corpus
runner `slt.py` against it and prints passed / (passed + failed) per top-level folder of the corpus
and in total, with the failed records that were cancelled for running past --timeout.

    python scripts/conformance.py                  # quick.list, -j 2
    python scripts/conformance.py --list corpus.list --write-failures /tmp/fails.txt
    python scripts/conformance.py sqllogictest/select1.test   # chosen files (relative to the corpus root)

The corpus lives in ../shared/conformance relative to the repository root (override: --corpus-dir).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "conformance"
LISTENING = re.compile(r"\[node\] listening sql=([\d.]+):(\d+)")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", help="corpus files (relative to the corpus root) instead of a list")
    p.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS)
    p.add_argument("--list", default="quick.list", help="quick.list or corpus.list (in the corpus dir)")
    p.add_argument("-j", "--jobs", type=int, default=2)
    p.add_argument("--write-failures", type=Path, help="write failing records as path:line here")
    p.add_argument("--json", type=Path, help="also keep slt.py's per-file results (with sample failures) here")
    p.add_argument("--timeout", type=int, default=30, help="per-statement timeout in seconds")
    p.add_argument("--server-log", type=Path, help="write the QuantaDB server's log here")
    p.add_argument("--dsn", help="score an already running server instead of starting one")
    return p


def start_server(data_dir: str, log: Path | None) -> tuple[subprocess.Popen, int]:
    """Start `quantadb serve` and return the process and its SQL port once it logs that it listens;
    the rest of its log goes to `log` (or nowhere)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "quantadb", "serve", "--data-dir", data_dir, "--port", "0", "--http-port", "0"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    for line in proc.stderr:
        match = LISTENING.search(line)
        if match:
            # Keep draining the log so the server never blocks on a full pipe.
            threading.Thread(target=_drain, args=(proc.stderr, log), daemon=True).start()
            return proc, int(match.group(2))
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise SystemExit("conformance: the QuantaDB server did not start")


def _drain(stream, log: Path | None) -> None:
    if log is None:
        stream.read()
        return
    with open(log, "w") as out:
        for line in stream:
            out.write(line)


def folder_of(path: str) -> str:
    """Score area of a corpus file: suite and first folder inside it (sqllogictest/index,
    risingwave/join); the suites' own wrapper folders (test, e2e_test/batch) are skipped."""
    parts = [p for p in Path(path).parent.parts if p not in ("test", "e2e_test", "batch")]
    return "/".join(parts[:2])


def timed_out(result: dict) -> int:
    """Failed records of one file that the runner cancelled for running past --timeout."""
    return sum("canceling statement" in f.get("msg", "") for f in result.get("failures", []))


def report(results: dict) -> None:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for path, r in results.items():
        for key in (folder_of(path), "TOTAL"):
            totals[key][0] += r.get("passed", 0)
            totals[key][1] += r.get("failed", 0)
            totals[key][2] += timed_out(r)
    print(f"{'folder':<40} {'passed':>8} {'failed':>8} {'timeouts':>8} {'score':>8}")
    for key in sorted(k for k in totals if k != "TOTAL") + ["TOTAL"]:
        passed, failed, slow = totals[key]
        scored = passed + failed
        score = f"{100 * passed / scored:.1f}%" if scored else "-"
        print(f"{key:<40} {passed:>8} {failed:>8} {slow:>8} {score:>8}")


def run_slt(args: argparse.Namespace, dsn: str) -> dict:
    corpus = args.corpus_dir
    with tempfile.TemporaryDirectory() as tmp:
        json_path = args.json or Path(tmp) / "results.json"
        cmd = [sys.executable, str(corpus / "slt.py"), "--dsn", dsn, "--root", str(corpus / "corpus"),
               "--exclude", str(corpus / "pg15-excluded.txt"), "-j", str(args.jobs), "-q",
               "--timeout", str(args.timeout), "--json", str(json_path)]
        if args.write_failures:
            cmd += ["--write-failures", str(args.write_failures)]
        if args.paths:
            cmd += [str(corpus / "corpus" / p) for p in args.paths]
        else:
            cmd += ["--list", str(corpus / args.list)]
        subprocess.run(cmd, stdout=subprocess.DEVNULL)
        if not json_path.exists():
            raise SystemExit("conformance: slt.py wrote no results")
        return _per_file(json.loads(json_path.read_text()))


def _per_file(items: list[dict]) -> dict:
    """slt.py's --json output (one object per file, paths relative to the corpus root) by path."""
    return {item["file"]: item for item in items}


def main() -> int:
    args = _parser().parse_args()
    corpus = args.corpus_dir
    if not (corpus / "slt.py").exists():
        print(f"conformance: corpus not found at {corpus} (expected slt.py, corpus/, *.list there); "
              "nothing was scored", file=sys.stderr)
        return 2
    if args.dsn:
        report(run_slt(args, args.dsn))
        return 0
    with tempfile.TemporaryDirectory(prefix="quantadb-conformance-") as data_dir:
        proc, port = start_server(data_dir, args.server_log)
        try:
            results = run_slt(args, f"host=127.0.0.1 port={port} user=postgres dbname=postgres")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    report(results)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
