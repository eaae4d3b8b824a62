"""pg_options_to_table(text[]): storage and foreign-data options ("key=value") as (option_name,
option_value) rows; pg_dump and psql read reloptions and the like through it."""

from __future__ import annotations

import numpy as np

from quantadb.exec.columns import column_values, from_values
from quantadb.exec.functions import setfn
from quantadb.sql.functions.signature import add_function
from quantadb.types import registry as R

add_function("pg_options_to_table", (R.array_of(R.TEXT),), R.RECORD, "pg_options_to_table", kind="s",
             out=(("option_name", R.TEXT), ("option_value", R.TEXT)))


@setfn("pg_options_to_table")
def pg_options_to_table(args, n, ctx, call):
    sources, names, values = [], [], []
    for row, options in enumerate(column_values(args[0])):
        for option in filter(None, options or ()):
            name, sep, value = option.partition("=")
            sources.append(row)
            names.append(name)
            values.append(value if sep else None)
    columns = [from_values(names, R.SqlType(R.TEXT)), from_values(values, R.SqlType(R.TEXT))]
    return np.asarray(sources, dtype=np.int64), columns
