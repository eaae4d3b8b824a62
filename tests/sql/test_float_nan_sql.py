"""A float NaN in an index on one float column: NaN = NaN (and above every other value), as
PostgreSQL's float8 ordering has it, through the index as in a sequential scan."""


def test_float_nan_lookup_through_index_and_scan(sql):
    sql.setup("""
        CREATE TABLE f (x float8, k int);
        INSERT INTO f VALUES ('NaN', 1), (1.5, 2), ('-Infinity', 3), ('NaN', 4), ('Infinity', 5), (NULL, 6);
    """)
    want = [("NaN", "1"), ("NaN", "4")]
    sql.check("SELECT x, k FROM f WHERE x = 'NaN'::float8", want)  # a sequential scan
    sql.setup("CREATE INDEX f_x ON f (x)")
    sql.check("SELECT x, k FROM f WHERE x = 'NaN'::float8", want)
    sql.check("SELECT x, k FROM f WHERE x = 'NaN'", want)
    sql.setup("INSERT INTO f VALUES ('NaN', 7), (2.5, 8)")  # (in the index's delta)
    sql.check("SELECT k FROM f WHERE x = 'NaN'::float8", [("1",), ("4",), ("7",)])
    sql.check("SELECT k FROM f WHERE x >= 'Infinity' ORDER BY x, k", [("5",), ("1",), ("4",), ("7",)], ordered=True)
    sql.setup("PREPARE p(float8) AS SELECT k FROM f WHERE x = $1")
    sql.check("EXECUTE p('NaN')", [("1",), ("4",), ("7",)])
    sql.check("EXECUTE p(1.5)", [("2",)])


def test_float_nan_unique(sql):
    sql.setup("""
        CREATE TABLE u (x float8 UNIQUE, k int);
        INSERT INTO u VALUES ('NaN', 1), (0, 2);
    """)
    sql.error("INSERT INTO u VALUES ('NaN', 3)", "23505")
    sql.error("INSERT INTO u VALUES (-1, 4), ('NaN', 5)", "23505")
    sql.error("UPDATE u SET x = 'NaN' WHERE k = 2", "23505")
    sql.check("SELECT k FROM u WHERE x = 'NaN'", [("1",)])
    sql.setup("""
        CREATE TABLE v (x float8 PRIMARY KEY, k int);
        INSERT INTO v VALUES (1, 1)
    """)
    sql.error("INSERT INTO v VALUES ('NaN', 2), ('NaN', 3)", "23505")  # within one statement
    sql.error("INSERT INTO v SELECT CASE WHEN g IN (10, 90) THEN 'NaN'::float8 ELSE g END, g FROM generate_series(2, 200) g",
              "23505")  # a batch checked in bulk
    sql.setup("INSERT INTO v VALUES ('NaN', 2)")
    sql.check("INSERT INTO v VALUES ('NaN', 3) ON CONFLICT (x) DO NOTHING RETURNING k", [])
    sql.check("INSERT INTO v VALUES ('NaN', 4) ON CONFLICT (x) DO UPDATE SET k = 40 RETURNING k", [("40",)])
    sql.check("SELECT x, k FROM v ORDER BY x", [("1", "1"), ("NaN", "40")], ordered=True)


def test_float_nan_unique_index_build(sql):
    sql.setup("""
        CREATE TABLE w (x float8, y float4);
        INSERT INTO w VALUES ('NaN', 1), ('NaN', 'NaN'), (1, 'NaN');
    """)
    sql.error("CREATE UNIQUE INDEX w_x ON w (x)", "23505")
    sql.error("CREATE UNIQUE INDEX w_y ON w (y)", "23505")
    sql.setup("DELETE FROM w WHERE x = 1;\nCREATE UNIQUE INDEX w_y ON w (y)")
    sql.error("INSERT INTO w VALUES (2, 'NaN')", "23505")
    sql.check("SELECT x FROM w WHERE y = 'NaN'::float4", [("NaN",)])


def test_float_nan_foreign_key_insert(sql):
    """The referenced key is found through the parent's primary key index."""
    sql.setup("""
        CREATE TABLE p (x float8 PRIMARY KEY);
        CREATE TABLE c (x float8 REFERENCES p);
        INSERT INTO p VALUES ('NaN'), (1);
        INSERT INTO c VALUES ('NaN'), (1)
    """)
    sql.error("INSERT INTO c VALUES (2)", "23503")
    sql.check("SELECT count(*) FROM c WHERE x = 'NaN'", [("1",)])


def test_float_nan_key_kept_by_update(sql):
    """An UPDATE that keeps a NaN key does not conflict with the row's own old version."""
    sql.setup("""
        CREATE TABLE k (x float8 PRIMARY KEY, y float8, v int, UNIQUE (x, y));
        INSERT INTO k VALUES ('NaN', 'NaN', 1), (1, 'NaN', 2);
        UPDATE k SET v = v + 1 WHERE x = 'NaN';
        UPDATE k SET x = x, y = y, v = v + 10;
        UPDATE k SET x = 'NaN'::float8, y = 'NaN'::float8, v = 5 WHERE x = 'NaN'
    """)
    sql.check("SELECT x, y, v FROM k ORDER BY x", [("1", "NaN", "12"), ("NaN", "NaN", "5")], ordered=True)
    sql.error("UPDATE k SET x = 'NaN'::float8 WHERE x = 1", "23505")
