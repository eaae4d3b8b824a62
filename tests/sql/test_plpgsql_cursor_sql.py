"""The refcursor type (OID 1790, its array 2201) as a column and parameter type, and PL/pgSQL's
cursors seen from SQL: a function's OPEN leaves a portal that a FETCH later in the same
transaction (here: the same simple Query message) reads."""


def test_refcursor_type(sql):
    sql.check("SELECT oid, typname, typarray, typcategory FROM pg_type WHERE oid IN (1790, 2201) ORDER BY oid",
              [("1790", "refcursor", "2201", "U"), ("2201", "_refcursor", "0", "A")], ordered=True)
    sql.setup("""CREATE TABLE rc_holder (id int, c refcursor, cs refcursor[]);
        INSERT INTO rc_holder VALUES (1, 'alpha', ARRAY['b', 'c']::refcursor[])""")
    sql.check("SELECT c, cs, pg_typeof(c), pg_typeof(cs), c::text || '!' FROM rc_holder",
              [("alpha", "{b,c}", "refcursor", "refcursor[]", "alpha!")])
    sql.check("SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
              " WHERE attrelid = 'rc_holder'::regclass AND attnum > 1 ORDER BY attnum",
              [("refcursor",), ("refcursor[]",)], ordered=True)


def test_function_cursor_fetched_by_sql(sql):
    sql.setup("""CREATE TABLE rc_rows (a int, b text);
        INSERT INTO rc_rows SELECT g, 'v' || g FROM generate_series(1, 4) g""")
    sql.setup("CREATE FUNCTION rc_open(c refcursor, lo int) RETURNS refcursor LANGUAGE plpgsql AS $$ BEGIN"
              " OPEN c SCROLL FOR SELECT a, b FROM rc_rows WHERE a >= lo ORDER BY a; RETURN c; END $$")
    sql.check("SELECT rc_open('fc', 2); FETCH ALL IN fc", [("2", "v2"), ("3", "v3"), ("4", "v4")], ordered=True)
    sql.check("SELECT rc_open('fc', 1); MOVE LAST IN fc; FETCH BACKWARD 2 FROM fc", [("3", "v3"), ("2", "v2")],
              ordered=True)
    # a count that runs out of rows leaves the cursor past the end; a count of 0 reads the current row
    sql.check("SELECT rc_open('fc', 1); MOVE 10 IN fc; FETCH PRIOR FROM fc", [("4", "v4")])
    sql.check("SELECT rc_open('fc', 1); FETCH 2 FROM fc; MOVE BACKWARD 5 IN fc; FETCH NEXT FROM fc", [("1", "v1")])
    sql.check("SELECT rc_open('fc', 1); FETCH 2 FROM fc; FETCH FORWARD 0 FROM fc", [("2", "v2")])
    sql.check("SELECT rc_open('fc', 3); SELECT name, statement, is_holdable, is_binary, is_scrollable FROM pg_cursors",
              [("fc", "SELECT a, b FROM rc_rows WHERE a >= lo ORDER BY a", "f", "f", "t")])
    sql.error("FETCH ALL IN fc", "34000", 'cursor "fc" does not exist')  # it ended with its transaction
    sql.error("SELECT rc_open('fc', 1); SELECT rc_open('fc', 1)", "42P03", 'cursor "fc" already in use')



def test_declare_in_a_query_of_several_statements(sql):
    """They run as an implicit transaction block, where DECLARE may stand; its cursor ends with it."""
    sql.check("DECLARE q CURSOR FOR SELECT 7; FETCH q", [("7",)])
    sql.error("DECLARE q CURSOR FOR SELECT 7", "25P01", "DECLARE CURSOR can only be used in transaction blocks")
    sql.error("FETCH q", "34000", 'cursor "q" does not exist')
