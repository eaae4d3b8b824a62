"""Process memory tuning for a node.

numpy allocates and frees many medium-sized temporaries per statement; glibc keeps freed
blocks in the heap, so a node's resident size creeps far above what its tables use (about
150 MB instead of 80 MB holding pgbench scale 10). A background thread hands the free heap
pages back to the system every second (malloc_trim). Not a low mmap threshold: that makes
every array of 128 KiB and more a fresh mmap whose pages fault in on each use, which tripled
the CPU time of analytic queries over millions of rows.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time

TRIM_INTERVAL_S = 1.0


def tune_malloc() -> bool:
    """Start returning freed heap memory to the system; False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        trim = ctypes.CDLL(name).malloc_trim  # a foreign call: the GIL is released while it runs
    except (OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]

    def run() -> None:
        while True:
            time.sleep(TRIM_INTERVAL_S)
            trim(0)

    threading.Thread(target=run, name="malloc-trim", daemon=True).start()
    return True
