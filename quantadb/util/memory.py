"""Process memory tuning for a node.

numpy allocates and frees many medium-sized temporaries per statement; glibc keeps freed
blocks below its mmap threshold in the heap, so a node's resident size creeps far above
what its tables use (about 150 MB instead of 80 MB holding pgbench scale 10). Serving
blocks of 128 KiB and more with mmap returns them to the system when freed.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # mallopt parameter number in glibc's malloc.h
MMAP_THRESHOLD_BYTES = 128 * 1024


def tune_malloc() -> bool:
    """Set glibc's mmap threshold; False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
    except (OSError, AttributeError):
        return False
