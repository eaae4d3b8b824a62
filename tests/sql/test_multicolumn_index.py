"""A btree index on (a, b) read as PostgreSQL 15 reads it: in key order for `ORDER BY a, b LIMIT n`
(forwards and backwards, and after an equality on a), by lists of keys (`a = 1 AND b IN (...)`,
`(a, b) IN (...)`), by a range after an equality, and by a join's keys. The rows are PostgreSQL's
(and a model's of the table, so the test also stands without it), in order where ORDER BY fixes it,
through updates, deletes, a rolled back transaction and NULLs in both columns; that the index is
read shows in pg_stat_user_indexes.idx_scan on both servers."""

import time

import pytest

ROWS = 30000


def _model() -> dict[int, list]:
    """id -> [a, b, c] after the statements of `_table`."""
    rows = {i: [i % 300, i // 300, f"c{i}"] for i in range(1, ROWS + 1)}
    for i, r in rows.items():
        if i % 997 == 0:
            r[0] = None
        if i % 991 == 0:
            r[1] = None
        if i % 13 == 0 and r[1] is not None:
            r[1] += 1000
    return {i: r for i, r in rows.items() if i % 17}


def _table(sql) -> dict[int, list]:
    sql.setup(f"""
        CREATE TABLE mc (id int PRIMARY KEY, a int, b int, c text);
        INSERT INTO mc SELECT i, i % 300, i / 300, 'c' || i FROM generate_series(1, {ROWS}) i;
        CREATE INDEX mc_ab ON mc (a, b);
        UPDATE mc SET a = NULL WHERE id % 997 = 0;
        UPDATE mc SET b = NULL WHERE id % 991 = 0;
        UPDATE mc SET b = b + 1000 WHERE id % 13 = 0;
        DELETE FROM mc WHERE id % 17 = 0;
        BEGIN;
        DELETE FROM mc WHERE a = 91;
        INSERT INTO mc VALUES (0, 91, -1, 'gone'), (-1, NULL, NULL, 'gone');
        UPDATE mc SET b = 5000 WHERE a = 7;
        ROLLBACK;
        ANALYZE mc
    """)
    return _model()


def _sorted(model: dict, descending: bool = False) -> list[tuple]:
    """(id, a, b) rows in (a, b) order, NULLs last ascending and first descending (the keys are unique)."""
    def key(item):
        return tuple((v is None, v or 0) for v in item[1][:2])
    return [(i, a, b) for i, (a, b, _) in sorted(model.items(), key=key, reverse=descending)]


def _text(rows) -> list[tuple]:
    return [tuple(None if v is None else str(v) for v in r) for r in rows]


def _idx_scans(sql, index: str) -> dict[str, int]:
    out = {}
    for label, conn in sql.conns.items():
        conn.run("SELECT pg_stat_force_next_flush()")
        out[label] = int(conn.run(f"SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = '{index}'")
                         .rows[0][0])
    return out


def _check_through(sql, index: str, query: str, rows: list, ordered: bool = False) -> None:
    """`query` gives `rows` on every server and reads `index` there (its idx_scan grows)."""
    before = _idx_scans(sql, index)
    sql.check(query, _text(rows), ordered=ordered)
    _wait_grown(sql, index, before, query)


def _wait_grown(sql, index: str, before: dict[str, int], what: str) -> None:
    """Wait until every server's idx_scan of `index` is above `before` (PostgreSQL counts a
    transaction's scans when it ends)."""
    deadline = time.monotonic() + 10
    while True:
        after = _idx_scans(sql, index)
        if all(after[k] > before[k] for k in after):
            return
        assert time.monotonic() < deadline, f"{what}: idx_scan of {index} stayed at {after} (before: {before})"
        time.sleep(0.1)


def test_order_by_both_columns_reads_the_index(sql):
    model = _table(sql)
    asc, desc = _sorted(model), _sorted(model, descending=True)
    _check_through(sql, "mc_ab", "SELECT id, a, b FROM mc ORDER BY a, b LIMIT 10", asc[:10], ordered=True)
    _check_through(sql, "mc_ab", "SELECT id, a, b FROM mc ORDER BY a DESC, b DESC LIMIT 40", desc[:40],
                   ordered=True)
    # far into the order: the rows with a NULL b come between, those with a NULL a at the end
    _check_through(sql, "mc_ab", f"SELECT id, a, b FROM mc ORDER BY a, b LIMIT 60 OFFSET {len(asc) - 50}",
                   asc[-50:], ordered=True)
    _check_through(sql, "mc_ab", "SELECT id, a, b FROM mc ORDER BY a, b LIMIT 300 OFFSET 9000",
                   asc[9000:9300], ordered=True)
    _check_through(sql, "mc_ab", "SELECT a, b FROM mc WHERE a > 290 ORDER BY a, b LIMIT 500",
                   [r[1:] for r in asc if r[1] is not None and r[1] > 290][:500], ordered=True)


def test_a_list_of_keys_read_in_order(sql):
    model = _table(sql)
    rows = [r for r in _sorted(model) if r[1] in (1, 2, 91)]  # (91 has a NULL b: last of its key)
    _check_through(sql, "mc_ab", "SELECT id, a, b FROM mc WHERE a IN (91, 2, 1, 2, NULL) ORDER BY a, b LIMIT 250",
                   rows[:250], ordered=True)
    _check_through(sql, "mc_ab", "SELECT id, a, b FROM mc WHERE a = ANY(ARRAY[91, 1]) ORDER BY a, b, id LIMIT 110",
                   [r for r in rows if r[1] != 2][:110], ordered=True)


def test_the_index_orders_the_leading_keys_of_an_incremental_sort(sql):
    model = _table(sql)
    asc = _sorted(model)
    _check_through(sql, "mc_ab", "SELECT id FROM mc ORDER BY a, b, id DESC LIMIT 3", [r[:1] for r in asc[:3]],
                   ordered=True)

    def key(item):  # a ascending (NULLs last), then b descending (NULLs first)
        i, a, b = item
        return (a is None, a or 0, b is not None, -(b or 0))
    mixed = sorted(asc, key=key)
    _check_through(sql, "mc_ab", "SELECT id, a, b FROM mc ORDER BY a, b DESC LIMIT 120", mixed[:120], ordered=True)
    # (so far into the order PostgreSQL sorts the table)
    sql.check("SELECT a, b FROM mc ORDER BY a, b DESC LIMIT 40 OFFSET 28150", _text(r[1:] for r in mixed[28150:28190]),
              ordered=True)
    rows = sorted(((i, c) for i, (a, b, c) in model.items() if a == 91), key=lambda r: r[1])
    _check_through(sql, "mc_ab", "SELECT id, c FROM mc WHERE a = 91 ORDER BY a, c LIMIT 5", rows[:5], ordered=True)


def test_equality_then_order_on_the_next_column(sql):
    model = _table(sql)
    rows = [r for r in _sorted(model) if r[1] == 91]  # (id 991 has b NULL: last ascending)
    assert rows[-1] == (991, 91, None)
    _check_through(sql, "mc_ab", "SELECT id, a, b FROM mc WHERE a = 91 ORDER BY b LIMIT 200", rows, ordered=True)
    _check_through(sql, "mc_ab", "SELECT id, a, b FROM mc WHERE a = 91 ORDER BY b DESC LIMIT 3",
                   rows[::-1][:3], ordered=True)
    _check_through(sql, "mc_ab", "SELECT id, b FROM mc WHERE a = 91 ORDER BY a, b LIMIT 2",
                   [(i, b) for i, _, b in rows[:2]], ordered=True)
    _check_through(sql, "mc_ab", "SELECT id, b FROM mc WHERE a = 7 AND b > 50 ORDER BY b LIMIT 5",
                   [(i, b) for i, a, b in _sorted(model) if a == 7 and b is not None and b > 50][:5], ordered=True)


def test_lists_and_ranges_of_keys(sql):
    model = _table(sql)

    def where(test):
        return [(i, a, b) for i, (a, b, _) in model.items() if a is not None and b is not None and test(a, b)]
    _check_through(sql, "mc_ab", "SELECT id, a, b FROM mc WHERE a = 1 AND b IN (1, 2, 3, 1004, NULL)",
                   where(lambda a, b: a == 1 and b in (1, 2, 3, 1004)))
    _check_through(sql, "mc_ab", "SELECT id, a, b FROM mc WHERE a IN (1, 2, 3, 91) AND b = 2",
                   where(lambda a, b: a in (1, 2, 3, 91) and b == 2))
    _check_through(sql, "mc_ab", "SELECT id, a, b FROM mc WHERE (a, b) IN ((1, 2), (3, 4), (91, 1003))",
                   where(lambda a, b: (a, b) in ((1, 2), (3, 4), (91, 1003))))
    _check_through(sql, "mc_ab", "SELECT id, a, b FROM mc WHERE a = 1 AND b BETWEEN 2 AND 5",
                   where(lambda a, b: a == 1 and 2 <= b <= 5))
    _check_through(sql, "mc_ab", "SELECT id, a, b FROM mc WHERE a = 1 AND b > 95 AND c <> 'c28801'",
                   [r for r in where(lambda a, b: a == 1 and b > 95) if r[0] != 28801])


def test_joins_look_up_both_key_columns(sql):
    model = _table(sql)
    sql.setup("""
        CREATE TABLE lk (a int, b int, tag text);
        INSERT INTO lk SELECT i, i % 100, 't' || i FROM generate_series(1, 50) i;
        INSERT INTO lk VALUES (NULL, 1, 'n'), (3, NULL, 'm'), (91, 1003, 'updated'), (91, 3, 'old');
        ANALYZE lk
    """)
    lk = [(i, i % 100, f"t{i}") for i in range(1, 51)] + [(None, 1, "n"), (3, None, "m"), (91, 1003, "updated"),
                                                          (91, 3, "old")]
    matches = [(tag, i) for a, b, tag in lk for i, (ma, mb, _) in model.items()
               if a is not None and b is not None and (ma, mb) == (a, b)]
    _check_through(sql, "mc_ab", "SELECT lk.tag, mc.id FROM lk JOIN mc ON mc.a = lk.a AND mc.b = lk.b", matches)
    unmatched = [(tag, None) for a, b, tag in lk if tag not in {t for t, _ in matches}]
    _check_through(sql, "mc_ab", "SELECT lk.tag, mc.id FROM lk LEFT JOIN mc ON mc.a = lk.a AND mc.b = lk.b",
                   matches + unmatched)


@pytest.fixture
def pairs(sql):
    """A table whose indexed columns are NOT NULL: the index holds every row, so a prefix of it serves."""
    sql.setup("""
        CREATE TABLE np (a int NOT NULL, b int NOT NULL, v text);
        INSERT INTO np SELECT i % 500, i, 'v' || i FROM generate_series(1, 20000) i;
        CREATE INDEX np_ab ON np (a, b);
        DELETE FROM np WHERE b % 7 = 0;
        CREATE TABLE keys (k int);
        INSERT INTO keys VALUES (3), (4), (NULL), (700);
        ANALYZE np; ANALYZE keys
    """)
    return {b: (b % 500, f"v{b}") for b in range(1, 20001) if b % 7}


def test_an_equality_on_the_leading_column(sql, pairs):
    rows = [(b,) for b, (a, _) in pairs.items() if a == 3]
    _check_through(sql, "np_ab", "SELECT b FROM np WHERE a = 3", rows)
    _check_through(sql, "np_ab", "SELECT b FROM np WHERE a = 3 AND b >= 10000", [r for r in rows if r[0] >= 10000])
    joined = [(a, b) for b, (a, _) in pairs.items() if a in (3, 4)]
    _check_through(sql, "np_ab", "SELECT np.a, np.b FROM keys JOIN np ON np.a = keys.k", joined)


def test_explain_analyze_shows_the_lookups_rows(sql, pairs):
    plan = [r[0] for r in sql.conns["quantadb"].run(
        "EXPLAIN ANALYZE SELECT np.b FROM keys JOIN np ON np.a = keys.k").rows]
    scan = next(line for line in plan if "Index Scan using np_ab" in line)
    assert f"rows={sum(1 for a, _ in pairs.values() if a in (3, 4))} loops" in scan, plan


def test_a_prefix_also_finds_the_rows_with_a_null_after_it(sql):
    model = _table(sql)
    rows = [(i, b) for i, (a, b, _) in model.items() if a == 91]
    assert (991, None) in rows
    _check_through(sql, "mc_ab", "SELECT id, b FROM mc WHERE a = 91", rows)
    _check_through(sql, "mc_ab", "SELECT id, b FROM mc WHERE a = 91 AND c <> 'c991'", [r for r in rows if r[0] != 991])
    sql.setup("""
        CREATE TABLE lk1 (k int);
        INSERT INTO lk1 VALUES (91), (92), (NULL), (91);
        ANALYZE lk1
    """)
    joined = [(k, i) for k in (91, 92, 91) for i, (a, _, _) in model.items() if a == k]
    _check_through(sql, "mc_ab", "SELECT lk1.k, mc.id FROM lk1 JOIN mc ON mc.a = lk1.k", joined)


def test_uncommitted_writes_and_row_locks(sql):
    model = _table(sql)
    before = _idx_scans(sql, "mc_ab")
    sql.setup("""
        BEGIN;
        INSERT INTO mc VALUES (-5, -1, NULL, 'new'), (-6, -1, 4, 'new'), (-7, NULL, -9, 'new');
        DELETE FROM mc WHERE id = 1;
        UPDATE mc SET b = NULL WHERE id = 2
    """)
    model.update({-5: [-1, None, "new"], -6: [-1, 4, "new"], -7: [None, -9, "new"]})
    model[2][1] = None
    del model[1]
    asc = _sorted(model)
    sql.check("SELECT id, a, b FROM mc ORDER BY a, b LIMIT 4", _text(asc[:4]), ordered=True)
    sql.check("SELECT id, a, b FROM mc ORDER BY a DESC, b DESC LIMIT 3", _text(_sorted(model, descending=True)[:3]),
              ordered=True)
    sql.check("SELECT id, b FROM mc WHERE a = 2", _text((i, b) for i, (a, b, _) in model.items() if a == 2))
    sql.check("SELECT id FROM mc WHERE a = -1 FOR UPDATE", [("-5",), ("-6",)])
    sql.check("SELECT id FROM mc ORDER BY a, b LIMIT 2 FOR UPDATE", _text([r[:1] for r in asc[:2]]), ordered=True)
    sql.setup("ROLLBACK")
    _wait_grown(sql, "mc_ab", before, "the transaction's reads")
    sql.check("SELECT id, a, b FROM mc ORDER BY a, b LIMIT 2", _text(_sorted(_model())[:2]), ordered=True)


def test_an_index_on_a_column_added_later(sql):
    sql.setup("""
        CREATE TABLE late (id int PRIMARY KEY, a int NOT NULL);
        INSERT INTO late SELECT i, i % 50 FROM generate_series(1, 5000) i;
        ALTER TABLE late ADD COLUMN b int;
        CREATE INDEX late_ab ON late (a, b);
        UPDATE late SET b = id WHERE id % 1000 = 7;
        ANALYZE late
    """)
    _check_through(sql, "late_ab", "SELECT b FROM late WHERE a = 7 ORDER BY b LIMIT 7",
                   [(7,), (1007,), (2007,), (3007,), (4007,), (None,), (None,)], ordered=True)
    # (the NULLs come first and fill the LIMIT: QuantaDB reads them from the NULL masks, not the index)
    sql.check("SELECT b FROM late WHERE a = 7 ORDER BY b DESC LIMIT 2", [(None,), (None,)], ordered=True)
    sql.check("SELECT count(*) FROM late WHERE a = 7", [("100",)])
