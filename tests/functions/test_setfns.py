"""Set-returning functions and `op ANY(array)` wrappers, against PostgreSQL 15."""

import numpy as np

from quantadb.exec.functions import SCALARS, SETFNS
from quantadb.types.column import Column
from sqleval import context, series


def test_generate_series():
    assert series("generate_series", ("1", "int4"), ("3", "int4")) == ["1", "2", "3"]
    assert series("generate_series", ("5", "int4"), ("1", "int4"), ("-2", "int4")) == ["5", "3", "1"]
    assert series("generate_series", ("5", "int8"), ("1", "int8")) == []
    assert series("generate_series", ("1.5", "numeric"), ("3", "numeric"), ("0.5", "numeric")) == \
        ["1.5", "2.0", "2.5", "3.0"]
    assert series("generate_series", ("2024-01-31", "timestamp"), ("2024-06-01", "timestamp"),
                  ("1 month", "interval")) == ["2024-01-31 00:00:00", "2024-02-29 00:00:00", "2024-03-29 00:00:00",
                                               "2024-04-29 00:00:00", "2024-05-29 00:00:00"]


def test_generate_series_source_rows():
    starts = Column(np.array([1, 10, 0], dtype=np.int32), np.array([True, True, False]))
    stops = Column(np.array([2, 12, 5], dtype=np.int32))
    rows, cols = SETFNS["generate_series_int4"]([starts, stops], 3, context(), None)
    assert rows.tolist() == [0, 0, 1, 1, 1]
    assert cols[0].data.tolist() == [1, 2, 10, 11, 12]


def test_unnest_and_json_sets():
    assert series("unnest", ("{a,NULL,b}", "_text")) == ["a", None, "b"]
    assert series("unnest", ("{1,2}", "_int4")) == ["1", "2"]
    assert series("jsonb_object_keys", ('{"b":1,"a":2, "aa": 3}', "jsonb")) == ["a", "b", "aa"]
    assert series("jsonb_array_elements", ('[1,"a",null]', "jsonb")) == ["1", '"a"', "null"]
    assert series("jsonb_array_elements_text", ('[1,"a",null]', "jsonb")) == ["1", "a", None]


def test_any_all_over_arrays():
    # 1 = ANY('{1,2}') -> t; 5 = ANY('{1,NULL}') -> NULL; 5 = ANY('{}') -> f; 1 <> ALL('{2,3}') -> t
    left = Column(np.array([1, 5, 5, 1], dtype=np.int32))
    arrays = np.empty(4, dtype=object)
    arrays[:] = [[1, 2], [1, None], [], [2, 3]]
    out = SCALARS["int4eq@any"]([left, Column(arrays)], 4, context(), None)
    shown = [None if not out.valid[i] else bool(out.data[i]) for i in range(4)]
    assert shown == [True, None, False, False]
    out = SCALARS["int4ne@all"]([left, Column(arrays)], 4, context(), None)
    shown = [None if out.valid is not None and not out.valid[i] else bool(out.data[i]) for i in range(4)]
    assert shown == [False, None, True, True]


def test_like_any():
    strings = np.empty(2, dtype=object)
    strings[:] = ["apple", "kiwi"]
    patterns = np.empty(2, dtype=object)
    patterns[:] = [["b%", "a%"], ["x%"]]
    out = SCALARS["textlike@any"]([Column(strings), Column(patterns)], 2, context(), None)
    assert out.data.tolist() == [True, False]
