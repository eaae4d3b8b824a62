"""timezone(zone, ts): a timestamptz as wall-clock time in `zone`, or a wall-clock timestamp
read in `zone`. Zone offsets come from zoneinfo per distinct (zone, instant); the rest is numpy."""

from __future__ import annotations

import numpy as np

from quantadb.exec.functions import scalar
from quantadb.types.column import Column
from quantadb.types.datetime import (TIMESTAMP_NEG_INFINITY, TIMESTAMP_POS_INFINITY, USECS_PER_SEC, get_zone,
                                     local_to_utc_micros, zone_offset_seconds)


def _convert(args: list[Column], n: int, to_local: bool) -> Column:
    zones = args[0].data
    values = args[1].data.astype(np.int64)
    valid = np.ones(n, dtype=bool) if args[0].valid is None else args[0].valid.copy()
    if args[1].valid is not None:
        valid &= args[1].valid
    out = values.copy()
    finite = valid & (values != TIMESTAMP_POS_INFINITY) & (values != TIMESTAMP_NEG_INFINITY)
    for name in {zones[i] for i in np.flatnonzero(finite)}:
        rows = np.flatnonzero(finite & (zones == name))
        zone = get_zone(name)
        distinct, inverse = np.unique(values[rows], return_inverse=True)
        if to_local:
            shifted = [int(v) + zone_offset_seconds(zone, int(v)) * USECS_PER_SEC for v in distinct]
        else:
            shifted = [local_to_utc_micros(int(v), zone) for v in distinct]
        out[rows] = np.asarray(shifted, dtype=np.int64)[inverse]
    return Column(out)


@scalar("timezone_of_timestamptz")
def timezone_of_timestamptz(args, n, ctx, call) -> Column:
    return _convert(args, n, to_local=True)


@scalar("timezone_of_timestamp")
def timezone_of_timestamp(args, n, ctx, call) -> Column:
    return _convert(args, n, to_local=False)
