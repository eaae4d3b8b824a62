"""UPDATE/DELETE ... WHERE CURRENT OF cursor: the row the cursor stands on, as PostgreSQL 15's
execCurrentOf finds it, with its errors (34000, 24000). Each check is one simple Query message,
an implicit transaction block where DECLARE may stand (and which commits what it changed)."""

CURSOR = "DECLARE c SCROLL CURSOR FOR SELECT * FROM co ORDER BY id"


def _table(sql):
    sql.setup("CREATE TABLE co (id int PRIMARY KEY, v text)")
    _reset(sql)


def _reset(sql):
    """The table's five rows as they were (each check commits what it changed)."""
    sql.setup("""DELETE FROM co;
        INSERT INTO co SELECT g, 'v' || g FROM generate_series(1, 5) g""")


def test_update_and_delete_the_current_row(sql):
    _table(sql)
    sql.check(f"{CURSOR}; FETCH 2 FROM c; UPDATE co SET v = 'x' WHERE CURRENT OF c RETURNING *", [("2", "x")])
    # the cursor still stands on the row after updating it: a second update finds its new version
    _reset(sql)
    sql.check(f"{CURSOR}; FETCH 2 FROM c; UPDATE co SET v = 'x' WHERE CURRENT OF c;"
              " UPDATE co SET v = v || 'y' WHERE CURRENT OF c RETURNING *", [("2", "xy")])
    _reset(sql)
    sql.check(f"{CURSOR}; FETCH 2 FROM c; UPDATE co SET v = 'x' WHERE CURRENT OF c;"
              " DELETE FROM co WHERE CURRENT OF c RETURNING *", [("2", "x")])
    # a deleted row is not there any more: nothing is changed, no error
    _reset(sql)
    sql.check(f"{CURSOR}; FETCH 2 FROM c; DELETE FROM co WHERE CURRENT OF c;"
              " UPDATE co SET v = 'z' WHERE CURRENT OF c RETURNING *", [])
    # a row the transaction updated by another statement is followed to its new version too
    _reset(sql)
    sql.check(f"{CURSOR}; FETCH 3 FROM c; UPDATE co SET v = 'other' WHERE id = 3;"
              " UPDATE co SET v = v || '!' WHERE CURRENT OF c RETURNING *", [("3", "other!")])
    # ... by a statement that updated every row, of a table without a key
    sql.setup("CREATE TABLE co_nokey (n int); INSERT INTO co_nokey SELECT generate_series(1, 4)")
    sql.check("DECLARE k CURSOR FOR SELECT * FROM co_nokey; FETCH 2 FROM k; UPDATE co_nokey SET n = n * 10;"
              " UPDATE co_nokey SET n = n + 1 WHERE CURRENT OF k RETURNING n", [("21",)])
    _reset(sql)
    sql.check(f"{CURSOR}; FETCH 1 FROM c; UPDATE co SET v = 'one' WHERE CURRENT OF c; FETCH c;"
              " DELETE FROM co WHERE CURRENT OF c; SELECT * FROM co ORDER BY id",
              [("1", "one"), ("3", "v3"), ("4", "v4"), ("5", "v5")], ordered=True)


def test_the_cursor_position(sql):
    _table(sql)
    sql.check(f"{CURSOR}; MOVE LAST IN c; UPDATE co SET v = 'last' WHERE CURRENT OF c RETURNING *", [("5", "last")])
    _reset(sql)
    sql.check(f"{CURSOR}; FETCH 3 FROM c; FETCH PRIOR FROM c; UPDATE co SET v = 'p' WHERE CURRENT OF c RETURNING id",
              [("2",)])
    _reset(sql)
    sql.check(f"{CURSOR}; FETCH ABSOLUTE 4 FROM c; DELETE FROM co WHERE CURRENT OF c RETURNING id", [("4",)])
    _reset(sql)
    sql.check(f"{CURSOR}; FETCH ABSOLUTE -2 FROM c; FETCH RELATIVE 0 FROM c;"
              " UPDATE co SET v = 'r' WHERE CURRENT OF c RETURNING id", [("4",)])
    _reset(sql)
    sql.check("DECLARE c CURSOR FOR SELECT id, v || '!' FROM co WHERE id > 2 LIMIT 2; FETCH c;"
              " UPDATE co SET v = 'lim' WHERE CURRENT OF c RETURNING *", [("3", "lim")])
    _reset(sql)
    sql.check("DECLARE c CURSOR FOR SELECT * FROM (SELECT * FROM co WHERE id < 3) s; FETCH c;"
              " UPDATE co SET v = 'sub' WHERE CURRENT OF c RETURNING *", [("1", "sub")])
    _reset(sql)
    not_on_a_row = 'cursor "c" is not positioned on a row'
    sql.error(f"{CURSOR}; UPDATE co SET v = 'x' WHERE CURRENT OF c", "24000", not_on_a_row)
    sql.error(f"{CURSOR}; MOVE LAST IN c; FETCH c; UPDATE co SET v = 'x' WHERE CURRENT OF c", "24000", not_on_a_row)
    sql.error(f"{CURSOR}; FETCH 10 FROM c; DELETE FROM co WHERE CURRENT OF c", "24000", not_on_a_row)
    sql.error(f"{CURSOR}; FETCH c; FETCH PRIOR FROM c; DELETE FROM co WHERE CURRENT OF c", "24000", not_on_a_row)
    sql.check("SELECT count(*) FROM co WHERE v = 'v' || id", [("5",)])


def test_errors(sql):
    _table(sql)
    sql.setup("CREATE TABLE co2 (id int, w int); INSERT INTO co2 VALUES (1, 10), (2, 20)")
    sql.error("UPDATE co SET v = 'x' WHERE CURRENT OF nosuch", "34000", 'cursor "nosuch" does not exist')
    sql.error("DELETE FROM co WHERE CURRENT OF nosuch", "34000", 'cursor "nosuch" does not exist')
    for query in ("SELECT * FROM co JOIN co2 USING (id)", "SELECT count(*) FROM co", "SELECT DISTINCT id FROM co",
                  "SELECT * FROM co UNION ALL SELECT * FROM co", "SELECT id, count(*) FROM co GROUP BY id"):
        sql.error(f"DECLARE c CURSOR FOR {query}; FETCH c; UPDATE co SET v = 'x' WHERE CURRENT OF c",
                  "24000", 'cursor "c" is not a simply updatable scan of table "co"')
    sql.error("DECLARE c CURSOR FOR SELECT * FROM co; FETCH c; UPDATE co2 SET w = 0 WHERE CURRENT OF c",
              "24000", 'cursor "c" is not a simply updatable scan of table "co2"')
    sql.error("DECLARE c CURSOR FOR SELECT * FROM co2 FOR UPDATE; FETCH c; UPDATE co SET v = 'x' WHERE CURRENT OF c",
              "24000", 'cursor "c" does not have a FOR UPDATE/SHARE reference to table "co"')
    # the table is checked before the position
    sql.error("DECLARE c CURSOR FOR SELECT * FROM co; UPDATE co2 SET w = 0 WHERE CURRENT OF c",
              "24000", 'cursor "c" is not a simply updatable scan of table "co2"')
    # CURRENT OF is the whole WHERE, of an UPDATE or DELETE, and names a cursor (not a parameter)
    sql.error("DECLARE c CURSOR FOR SELECT * FROM co; FETCH c; UPDATE co SET v = 'x' WHERE CURRENT OF c AND id = 1",
              "42601", 'syntax error at or near "AND"', position=90)
    sql.error("PREPARE p AS UPDATE co SET v = 'x' WHERE CURRENT OF $1", "42601", 'syntax error at or near "$1"',
              position=53)
    sql.error("DECLARE c CURSOR FOR SELECT * FROM co; FETCH c; SELECT * FROM co WHERE CURRENT OF c", "42601",
              'syntax error at or near "OF"', position=80)
    sql.setup("CREATE VIEW co_view AS SELECT * FROM co")
    sql.error("DECLARE c CURSOR FOR SELECT * FROM co; FETCH c; UPDATE co_view SET v = 'x' WHERE CURRENT OF c",
              "0A000", "WHERE CURRENT OF on a view is not implemented")
    sql.check("SELECT count(*) FROM co WHERE v = 'v' || id", [("5",)])


def test_a_cursor_held_from_a_previous_transaction(sql):
    _table(sql)
    sql.check("BEGIN; DECLARE h CURSOR WITH HOLD FOR SELECT * FROM co ORDER BY id; FETCH h;"
              " UPDATE co SET v = 'h1' WHERE CURRENT OF h RETURNING *", [("1", "h1")])
    sql.setup("COMMIT")
    held = 'cursor "h" is held from a previous transaction'
    sql.error("UPDATE co SET v = 'h2' WHERE CURRENT OF h", "24000", held)
    sql.check("FETCH h", [("2", "v2")])
    sql.error("DELETE FROM co WHERE CURRENT OF h", "24000", held)
    sql.setup("CLOSE h")
    sql.check("SELECT * FROM co WHERE v <> 'v' || id", [("1", "h1")])


def test_for_update_cursor_prepared_statement_and_from(sql):
    _table(sql)
    sql.check("DECLARE c CURSOR FOR SELECT * FROM co WHERE id >= 2 ORDER BY id FOR UPDATE; FETCH 2 FROM c;"
              " UPDATE co SET v = 'fu' WHERE CURRENT OF c; UPDATE co SET v = v || '2' WHERE CURRENT OF c RETURNING *",
              [("3", "fu2")])
    # prepared before the cursor exists: the cursor is looked up when it runs
    sql.setup("PREPARE pc(text) AS UPDATE co SET v = $1 WHERE CURRENT OF c RETURNING id, v")
    sql.check("DECLARE c CURSOR FOR SELECT * FROM co WHERE id >= 4; FETCH c; EXECUTE pc('prep')", [("4", "prep")])
    sql.check("DECLARE c CURSOR FOR SELECT * FROM co ORDER BY id; FETCH c;"
              " UPDATE co SET v = v || x.s FROM (VALUES ('!')) x(s) WHERE CURRENT OF c RETURNING co.*, x.s",
              [("1", "v1!", "!")])
    sql.check("SELECT * FROM co WHERE v <> 'v' || id ORDER BY id",
              [("1", "v1!"), ("3", "fu2"), ("4", "prep")], ordered=True)


def test_triggers_fire(sql):
    _table(sql)
    sql.setup("CREATE TABLE co_log (op text, old_v text, new_v text)")
    sql.setup("CREATE FUNCTION co_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
              " IF TG_OP = 'UPDATE' THEN NEW.v := upper(NEW.v); END IF;"
              " INSERT INTO co_log VALUES (TG_OP, OLD.v, CASE WHEN TG_OP = 'UPDATE' THEN NEW.v END);"
              " RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END $$")
    sql.setup("CREATE TRIGGER co_before BEFORE UPDATE OR DELETE ON co FOR EACH ROW EXECUTE FUNCTION co_trg()")
    sql.check("DECLARE c CURSOR FOR SELECT * FROM co ORDER BY id; FETCH c;"
              " UPDATE co SET v = 'abc' WHERE CURRENT OF c RETURNING *", [("1", "ABC")])
    sql.check("DECLARE c CURSOR FOR SELECT * FROM co ORDER BY id; MOVE 2 IN c;"
              " DELETE FROM co WHERE CURRENT OF c RETURNING id", [("2",)])
    sql.check("SELECT * FROM co_log", [("UPDATE", "v1", "ABC"), ("DELETE", "v2", None)])


def test_explain(sql):
    _table(sql)
    sql.check("DECLARE c CURSOR FOR SELECT * FROM co; FETCH c; EXPLAIN (COSTS OFF) UPDATE co SET v = 'e'"
              " WHERE CURRENT OF c", [("Update on co",), ("  ->  Tid Scan on co",), ("        TID Cond: CURRENT OF c",)],
              ordered=True)


def test_plpgsql_cursors(sql):
    _table(sql)
    # a cursor FOR loop's body updates the row the loop stands on
    sql.setup("CREATE FUNCTION co_loop() RETURNS int LANGUAGE plpgsql AS $$"
              " DECLARE c CURSOR FOR SELECT * FROM co WHERE id <= 3 ORDER BY id; n int := 0;"
              " BEGIN FOR r IN c LOOP UPDATE co SET v = r.v || '+' WHERE CURRENT OF c; n := n + 1; END LOOP;"
              " RETURN n; END $$")
    sql.check("SELECT co_loop()", [("3",)])
    # a refcursor variable names the portal it holds
    sql.setup("CREATE FUNCTION co_ref() RETURNS text LANGUAGE plpgsql AS $$"
              " DECLARE c refcursor := 'mine'; r record; result text := '';"
              " BEGIN OPEN c FOR SELECT * FROM co WHERE id > 3 ORDER BY id;"
              " FETCH c INTO r; UPDATE co SET v = 'g' WHERE CURRENT OF c; UPDATE co SET v = v || 'g' WHERE CURRENT OF c;"
              " FETCH c INTO r; DELETE FROM co WHERE CURRENT OF c;"
              " FETCH c INTO r;"
              " BEGIN UPDATE co SET v = 'x' WHERE CURRENT OF c;"
              " EXCEPTION WHEN others THEN result := SQLSTATE || ' ' || SQLERRM; END;"
              " CLOSE c; RETURN result; END $$")
    sql.check("SELECT co_ref()", [('24000 cursor "mine" is not positioned on a row',)])
    # a variable that is no refcursor does not name the cursor: its name does
    sql.setup("CREATE FUNCTION co_named(c text) RETURNS void LANGUAGE plpgsql AS $$"
              " BEGIN UPDATE co SET v = 'named' WHERE CURRENT OF c; END $$")
    sql.check("DECLARE c CURSOR FOR SELECT * FROM co ORDER BY id; FETCH c; SELECT co_named('zzz');"
              " SELECT v FROM co WHERE id = 1", [("named",)])
    sql.check("SELECT * FROM co ORDER BY id",
              [("1", "named"), ("2", "v2+"), ("3", "v3+"), ("4", "gg")], ordered=True)


def test_for_update_cursors_over_joins(sql):
    """With FOR UPDATE/SHARE a cursor's row stands for a row of each table it locks (PostgreSQL's
    row marks), a join's too; a table it does not lock, or locks twice, it cannot name."""
    _table(sql)
    sql.setup("CREATE TABLE co2 (id int, w int); INSERT INTO co2 VALUES (1, 10), (2, 20), (4, 40)")
    join = "DECLARE c CURSOR FOR SELECT * FROM co JOIN co2 USING (id) ORDER BY id FOR UPDATE; FETCH 2 FROM c"
    sql.check(f"{join}; UPDATE co SET v = 'j' WHERE CURRENT OF c RETURNING *", [("2", "j")])
    sql.check(f"{join}; UPDATE co2 SET w = 0 WHERE CURRENT OF c RETURNING *", [("2", "0")])
    sql.check("DECLARE c CURSOR FOR SELECT co2.w, co.v FROM co2 JOIN co ON co.id = co2.id WHERE co2.w > 10"
              " ORDER BY co2.w FOR UPDATE OF co; FETCH c; DELETE FROM co WHERE CURRENT OF c RETURNING *", [("4", "v4")])
    sql.error("DECLARE c CURSOR FOR SELECT * FROM co2 JOIN co ON co.id = co2.id FOR UPDATE OF co; FETCH c;"
              " UPDATE co2 SET w = 0 WHERE CURRENT OF c", "24000",
              'cursor "c" does not have a FOR UPDATE/SHARE reference to table "co2"')
    sql.check("DECLARE c CURSOR FOR SELECT * FROM co LEFT JOIN co2 ON co2.id = co.id WHERE co.id IN (1, 3)"
              " ORDER BY co.id FOR UPDATE OF co; FETCH 2 FROM c; UPDATE co SET v = 'lj' WHERE CURRENT OF c RETURNING *",
              [("3", "lj")])
    sql.error("DECLARE c CURSOR FOR SELECT * FROM co a JOIN co b ON a.id = b.id + 1 FOR UPDATE; FETCH c;"
              " UPDATE co SET v = 'x' WHERE CURRENT OF c", "24000",
              'cursor "c" has multiple FOR UPDATE/SHARE references to table "co"')
    # an outer join's nullable side has no row to lock (nor to update through the cursor)
    for clause in ("FOR UPDATE", "FOR SHARE OF co2"):
        sql.error(f"SELECT * FROM co LEFT JOIN co2 ON co2.id = co.id {clause}", "0A000",
                  f"{clause.removesuffix(' OF co2')} cannot be applied to the nullable side of an outer join")
    sql.error("SELECT * FROM co2 FULL JOIN co ON co2.id = co.id FOR UPDATE OF co", "0A000",
              "FOR UPDATE cannot be applied to the nullable side of an outer join")
    # rows locked in a sorted order, under a LIMIT
    sql.check("DECLARE c CURSOR FOR SELECT * FROM co ORDER BY v DESC LIMIT 2 FOR UPDATE; FETCH c;"
              " UPDATE co SET v = 'lim' WHERE CURRENT OF c RETURNING *", [("5", "lim")])
    sql.check("SELECT * FROM co ORDER BY id", [("1", "v1"), ("2", "j"), ("3", "lj"), ("5", "lim")], ordered=True)
    sql.check("SELECT * FROM co2 ORDER BY id", [("1", "10"), ("2", "0"), ("4", "40")], ordered=True)


def test_a_cursor_that_locks_rows_is_read_only_otherwise(sql):
    _table(sql)
    for declared, clause, state, verb in (("CURSOR WITH HOLD", "FOR NO KEY UPDATE", "0A000", "supported"),
                                          ("SCROLL CURSOR", "FOR UPDATE", "0A000", "supported"),
                                          ("INSENSITIVE CURSOR", "FOR SHARE", "42P11", "valid")):
        sql.error(f"BEGIN; DECLARE c {declared} FOR SELECT * FROM co {clause}", state,
                  f"DECLARE {declared} ... {clause} is not {verb}")
        sql.setup("ROLLBACK")
    # its rows are locked as FETCH reaches them, but a read-only transaction refuses it at once
    sql.error("BEGIN READ ONLY; DECLARE c CURSOR FOR SELECT * FROM co FOR UPDATE", "25006",
              "cannot execute SELECT FOR UPDATE in a read-only transaction")
    sql.setup("ROLLBACK")
    sql.check("DECLARE c NO SCROLL CURSOR FOR SELECT * FROM co ORDER BY id FOR KEY SHARE; FETCH c;"
              " DELETE FROM co WHERE CURRENT OF c RETURNING id", [("1",)])
    # PL/pgSQL's OPEN ... SCROLL of such a query too (SPI_cursor_open's check)
    sql.error("DO $$ DECLARE c refcursor; BEGIN OPEN c SCROLL FOR SELECT * FROM co FOR UPDATE; END $$", "0A000",
              "DECLARE SCROLL CURSOR ... FOR UPDATE/SHARE is not supported")


def test_plpgsql_dynamic_cursor(sql):
    _table(sql)
    sql.setup("CREATE FUNCTION co_dyn(lo int) RETURNS text LANGUAGE plpgsql AS $$"
              " DECLARE c refcursor := 'dyn'; r record;"
              " BEGIN OPEN c FOR EXECUTE 'SELECT * FROM co WHERE id >= $1 ORDER BY id' USING lo;"
              " FETCH c INTO r; UPDATE co SET v = 'dyn' WHERE CURRENT OF c; CLOSE c; RETURN r.v; END $$")
    sql.check("SELECT co_dyn(4)", [("v4",)])
    sql.check("SELECT * FROM co WHERE v = 'dyn'", [("4", "dyn")])


def test_plpgsql_loop_body_moving_its_cursor(sql):
    """The loop's cursor stands on the row the body has; a body's FETCH or MOVE moves it, and the
    loop goes on from there (PostgreSQL's loop fetches one row at a time)."""
    _table(sql)
    sql.setup("CREATE FUNCTION co_moves() RETURNS text LANGUAGE plpgsql AS $$"
              " DECLARE c CURSOR FOR SELECT * FROM co ORDER BY id; out text := ''; r2 record;"
              " BEGIN FOR r IN c LOOP out := out || r.id || ',';"
              " IF r.id = 1 THEN MOVE 1 IN c; END IF;"
              " IF r.id = 3 THEN FETCH c INTO r2; out := out || 'f' || r2.id || ',';"
              " UPDATE co SET v = 'x' WHERE CURRENT OF c; END IF;"
              " END LOOP; RETURN out; END $$")
    sql.check("SELECT co_moves()", [("1,3,f4,5,",)])
    sql.check("SELECT * FROM co WHERE v = 'x'", [("4", "x")])


def test_a_sorted_cursor_is_no_simply_updatable_scan(sql):
    """Without FOR UPDATE, a cursor whose plan sorts has no scan standing on its row: PostgreSQL
    refuses WHERE CURRENT OF at the UPDATE (24000), the DECLARE and FETCH work. An ORDER BY a btree
    index gives (forwards or backwards, NULLs where the index puts them, columns its filter pins
    with = left out) is read through the index, which a cursor's plan prefers: that one is a scan."""
    _table(sql)
    sql.setup("CREATE TABLE co3 (a int, b int, c int, d int);\n"
              "CREATE INDEX co3_ab ON co3 (a, b);\nCREATE INDEX co3_c ON co3 (c DESC);\n"
              "INSERT INTO co3 SELECT g, g, g, g FROM generate_series(1, 5) g")
    refused = 'cursor "c" is not a simply updatable scan of table "{}"'
    for query in ("SELECT * FROM co ORDER BY v", "SELECT * FROM co ORDER BY id NULLS FIRST",
                  "SELECT * FROM co ORDER BY id, v", "SELECT * FROM co ORDER BY v LIMIT 3",
                  "SELECT * FROM co ORDER BY id + 0", "SELECT * FROM (SELECT * FROM co ORDER BY v) s",
                  "SELECT id, row_number() OVER () FROM co", "SELECT *, generate_series(1, 2) FROM co"):
        sql.check(f"BEGIN; DECLARE c CURSOR FOR {query}; FETCH 2 FROM c; SELECT 1", [("1",)])
        sql.error("UPDATE co SET v = 'x' WHERE CURRENT OF c", "24000", refused.format("co"))
        sql.setup("ROLLBACK")
    for query in ("SELECT * FROM co3 ORDER BY b", "SELECT * FROM co3 ORDER BY a, b DESC",
                  "SELECT * FROM co3 ORDER BY d", "SELECT * FROM co3 ORDER BY c DESC NULLS LAST"):
        sql.error(f"DECLARE c CURSOR FOR {query}; FETCH 2 FROM c; UPDATE co3 SET d = 0 WHERE CURRENT OF c",
                  "24000", refused.format("co3"))
    for query, row in (("SELECT * FROM co ORDER BY id DESC", ("4", "v4!")), ("SELECT * FROM co ORDER BY 1", ("2", "v2!")),
                       ("SELECT id, v FROM co WHERE id > 1 ORDER BY id LIMIT 3", ("3", "v3!"))):
        sql.check(f"DECLARE c CURSOR FOR {query}; FETCH 2 FROM c;"
                  " UPDATE co SET v = v || '!' WHERE CURRENT OF c RETURNING *", [row])
        _reset(sql)
    for query, row in (("SELECT * FROM co3 ORDER BY a", "2"), ("SELECT * FROM co3 ORDER BY a DESC, b DESC", "4"),
                       ("SELECT * FROM co3 ORDER BY c", "2"), ("SELECT * FROM co3 WHERE b = 2 OR b = 4 ORDER BY a", "4"),
                       ("SELECT * FROM co3 WHERE a = 3 ORDER BY b", "3")):
        sql.check(f"DECLARE c CURSOR FOR {query}; FETCH ABSOLUTE {1 if row == '3' else 2} FROM c;"
                  " UPDATE co3 SET d = d - 100 WHERE CURRENT OF c RETURNING a", [(row,)])
    sql.check("SELECT a FROM co3 WHERE d < 0 ORDER BY a", [("2",), ("3",), ("4",)], ordered=True)


def test_a_subquery_postgresql_joins_is_no_simply_updatable_scan(sql):
    """A correlated [NOT] EXISTS and `col IN (uncorrelated subquery)` in the top-level AND become
    semi and anti joins in PostgreSQL's plan (pull_up_sublinks): not a simple scan. Other
    subqueries stay conditions of the scan."""
    _table(sql)
    sql.setup("CREATE TABLE co2 (id int, w int); INSERT INTO co2 VALUES (1, 1), (2, 2)")
    for where in ("id IN (SELECT id FROM co2)", "id > 0 AND id = ANY (SELECT id FROM co2)",
                  "EXISTS (SELECT 1 FROM co2 WHERE co2.id = co.id)", "NOT EXISTS (SELECT 1 FROM co2 WHERE co2.id = co.id)"):
        sql.error(f"DECLARE c CURSOR FOR SELECT * FROM co WHERE {where}; FETCH c; UPDATE co SET v = 'x' WHERE CURRENT OF c",
                  "24000", 'cursor "c" is not a simply updatable scan of table "co"')
    for where, row in (("id NOT IN (SELECT id FROM co2)", "3"), ("EXISTS (SELECT 1 FROM co2)", "1"),
                       ("id IN (SELECT id FROM co2 WHERE co2.w = co.id)", "1"), ("id IN (SELECT id FROM co2) OR id = 3", "1"),
                       ("3 IN (SELECT id + 2 FROM co2)", "1")):
        sql.check(f"DECLARE c CURSOR FOR SELECT * FROM co WHERE {where}; FETCH c;"
                  " UPDATE co SET v = 'sub' WHERE CURRENT OF c RETURNING id", [(row,)])
        _reset(sql)
