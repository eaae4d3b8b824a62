"""The `quantadb` command: `quantadb serve [options]`, `quantadb --version`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Callable

from quantadb import __version__
from quantadb.config import FIELDS, HELP, load


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="quantadb", description="QuantaDB: a PostgreSQL-compatible SQL server")
    p.add_argument("--version", action="version", version=f"quantadb {__version__}")
    sub = p.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run a node",
                           description="Run a node. Every option can also be set in the TOML config "
                                       "file or as QUANTADB_<NAME> in the environment "
                                       "(flag > environment > file > default).")
    serve.add_argument("--config", help="TOML config file")
    for name, f in FIELDS.items():
        flag = "--" + name.replace("_", "-")
        if name == "auth":
            serve.add_argument(flag, action="append", dest=name, metavar="RULE", help=HELP[name])
        elif f.type == "bool":
            serve.add_argument(flag, dest=name, default=None, choices=["on", "off", "true", "false"],
                               help=HELP[name])
        else:
            serve.add_argument(flag, dest=name, default=None, metavar=name.upper().split("_")[-1],
                               help=HELP[name] + (f" (default: {f.default})" if f.default != "" else ""))
    return p


def _loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop answers a short query with fewer microseconds of event-loop work than the standard
    selector loop (measured with pgbench -S: 5-8 us less CPU per transaction); None is asyncio's own."""
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command != "serve":
        _parser().print_help()
        return 2
    flags = {name: getattr(args, name) for name in FIELDS}
    try:
        settings = load(flags, args.config)
    except (ValueError, OSError) as exc:
        print(f"quantadb: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")
    # sqlglot warns whenever it falls back to a generic Command: statements the engine reads itself
    # (ALTER TABLE, CREATE SCHEMA ...), nothing an operator needs to see
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    from quantadb.node import Node
    from quantadb.util.memory import tune_malloc

    tune_malloc()
    try:
        with asyncio.Runner(loop_factory=_loop_factory(settings.event_loop)) as runner:
            runner.run(Node(settings).run())
    except OSError as exc:
        logging.getLogger("quantadb.node").error("[node] cannot start: %s", exc)
        return 1
    return 0
