"""pg_stat_file(filename [, missing_ok]): a server file, as PostgreSQL allows it: any path for a
superuser, else relative to the data directory without ".." or an absolute path outside it.
pgAdmin's dashboard asks it about pg_current_logfile(), which is NULL here: the server logs to
its standard output."""

from __future__ import annotations

import os

from quantadb.engine.pg_catalog.functions import define
from quantadb.errors import InsufficientPrivilege, UndefinedFile
from quantadb.types import registry as R

UNIX_EPOCH_2000 = 946684800


@define("pg_stat_file", ((R.TEXT,), (R.TEXT, R.BOOL)), R.RECORD,
        out=(("size", R.INT8), ("access", R.TIMESTAMPTZ), ("modification", R.TIMESTAMPTZ),
             ("change", R.TIMESTAMPTZ), ("creation", R.TIMESTAMPTZ), ("isdir", R.BOOL)))
def pg_stat_file(session, filename: str, missing_ok: bool = False) -> tuple | None:
    path = _server_file(session.db.data_dir, filename, restricted=not session.superuser)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if missing_ok:
            return None
        raise UndefinedFile(f'could not stat file "{filename}": No such file or directory') from None
    # timestamps in whole seconds, as PostgreSQL reports them
    stamp = [(int(t) - UNIX_EPOCH_2000) * 1_000_000 for t in (st.st_atime, st.st_mtime, st.st_ctime)]
    return (st.st_size, *stamp, None, os.path.isdir(path))  # Linux keeps no creation time


def _server_file(data_dir: str, filename: str, restricted: bool) -> str:
    """The path a name means (relative ones from the data directory), checked for a role that may
    read only the data directory."""
    root = os.path.abspath(data_dir)
    if restricted and ".." in filename.replace("\\", "/").split("/"):
        raise InsufficientPrivilege('reference to parent directory ("..") not allowed')
    if not os.path.isabs(filename):
        return os.path.join(root, filename)
    if restricted and os.path.commonpath([root, os.path.abspath(filename)]) != root:
        raise InsufficientPrivilege("absolute path not allowed")
    return filename
