"""A table's (view's, materialized view's) row type, each behaviour checked on QuantaDB and on the
reference PostgreSQL 15 alike: the type named after the relation (casts, text input, ROW(...)::t,
json_populate_record(set)), the whole-row reference typed by it (function overloads, casts,
comparisons), columns of it in other tables, the catalog rows (pg_type typtype 'c', typrelid,
typarray, pg_class.reltype), names shared with other types, and what ALTER TABLE, DROP TABLE,
DROP TYPE and ALTER TYPE do with it. Row-typed result columns carry each server's own OID for
the type: those checks do not compare column types (same_types=False)."""

T = ("CREATE TABLE t (a int, b text);\n"
     "INSERT INTO t VALUES (1, 'x'), (2, 'y z')")
HOLDER = T + (";\nCREATE TABLE u (id int, payload t, ps t[]);\n"
              "INSERT INTO u VALUES (1, ROW(2, 'y'), ARRAY[ROW(3, 'z')::t]), (2, NULL, NULL)")


def test_the_type_exists_and_reads(sql):
    sql.setup(T)
    sql.check("SELECT null::t, '(1,x)'::t, ROW(1, 'x')::t, (ROW(1, 'x')::t).b, ('(3,\"a b\")'::t).b",
              [(None, "(1,x)", "(1,x)", "x", "a b")], same_types=False)
    sql.check("SELECT null::t IS NULL, ROW(NULL, NULL)::t IS NULL, ARRAY[ROW(1, 'x')::t]::text",
              [("t", "t", '{"(1,x)"}')])
    sql.check("SELECT '(1,x)'::t = ROW(1, 'x')::t", [("t",)])
    sql.error("SELECT '(1,x,3)'::t", "22P02", 'malformed record literal: "(1,x,3)"')
    sql.error("SELECT (ROW(1, 'x')::t).c", "42703", 'column "c" not found in data type t')
    sql.setup("CREATE VIEW v AS SELECT b, a FROM t;\nCREATE MATERIALIZED VIEW mv AS SELECT a FROM t;\n"
              "CREATE SEQUENCE s;\nCREATE INDEX t_a ON t (a)")
    sql.check("SELECT '(p,7)'::v, '(8)'::mv", [("(p,7)", "(8)")], same_types=False)
    sql.error("SELECT null::s", "42704", 'type "s" does not exist')
    sql.error("SELECT null::t_a", "42704", 'type "t_a" does not exist')


def test_json_populate_record(sql):
    sql.setup(T)
    sql.check("""SELECT json_populate_record(null::t, '{"a":2}'), jsonb_populate_record(ROW(5, 'base')::t, '{"b":"q"}'),
                 json_populate_record(ROW(5, 'base')::t, null)""", [("(2,)", "(5,q)", "(5,base)")], same_types=False)
    sql.check("""SELECT * FROM json_populate_record(null::t, '{"a":"7","b":null,"c":1}')""", [("7", None)],
              columns=["a", "b"])
    sql.check("""SELECT * FROM json_populate_recordset(null::t, '[{"a":1},{"a":2,"b":"w"}]')""",
              [("1", None), ("2", "w")], columns=["a", "b"])
    sql.check("""SELECT a, b FROM jsonb_populate_recordset(ROW(9, 'd')::t, '[{"a":1},{"b":"z"}]')""",
              [("1", "d"), ("9", "z")])
    sql.error("""SELECT json_populate_record(null::t, '[1]')""", "22023", "cannot call populate_composite on an array")


def test_whole_row_reference_has_the_type(sql):
    sql.setup(T + ";\nCREATE FUNCTION g(r t) RETURNS int LANGUAGE sql AS 'SELECT r.a * 10';\n"
              "CREATE FUNCTION g(r int) RETURNS int LANGUAGE sql AS 'SELECT -r'")
    sql.check("SELECT g(t), g(ROW(1, 'x')), g(a) FROM t ORDER BY a", [("10", "10", "-1"), ("20", "10", "-2")],
              ordered=True)
    sql.check("SELECT g(x) FROM t AS x ORDER BY a", [("10",), ("20",)], ordered=True)
    sql.check("SELECT pg_typeof(t)::text, t::text, row_to_json(t)::text, to_jsonb(t)::text FROM t WHERE a = 2",
              [("t", '(2,"y z")', '{"a":2,"b":"y z"}', '{"a": 2, "b": "y z"}')])
    sql.check("SELECT t = ROW(1, 'x')::t, t.* FROM t ORDER BY a", [("t", "1", "x"), ("f", "2", "y z")],
              ordered=True)
    sql.check("SELECT array_agg(t ORDER BY a)::text, count(t) FROM t", [('{"(1,x)","(2,\\"y z\\")"}', "2")])
    sql.setup("CREATE VIEW v AS SELECT a, b FROM t")
    sql.check("SELECT pg_typeof(v)::text, v FROM v WHERE a = 1", [("v", "(1,x)")], same_types=False)


def test_columns_of_the_type(sql):
    sql.setup(HOLDER)
    sql.check("SELECT id, payload, ps::text, (payload).a, (payload).*, ps[1].b FROM u ORDER BY id",
              [("1", "(2,y)", '{"(3,z)"}', "2", "2", "y", "z"), ("2", None, None, None, None, None, None)],
              ordered=True, same_types=False)
    sql.setup("INSERT INTO u SELECT 3, t, ARRAY[t] FROM t WHERE a = 1;\n"
              "UPDATE u SET payload.b = 'changed' WHERE id = 1;\nCREATE INDEX u_payload ON u (payload)")
    sql.check("SELECT id FROM u WHERE payload = ROW(1, 'x')::t", [("3",)])
    sql.check("SELECT payload FROM u WHERE id = 1", [("(2,changed)",)], same_types=False)
    sql.error("ALTER TABLE t ADD COLUMN self t", "42P16", "composite type t cannot be made a member of itself")


def test_catalog_rows(sql):
    sql.setup(T + ";\nCREATE VIEW v AS SELECT a FROM t")
    sql.check("SELECT y.typname, y.typtype, y.typcategory, y.typrelid::regclass::text, y.typarray::regtype::text,"
              " c.reltype = y.oid FROM pg_type y JOIN pg_class c ON c.oid = y.typrelid"
              " WHERE c.relname IN ('t', 'v') ORDER BY 1",
              [("t", "c", "C", "t", "t[]", "t"), ("v", "c", "C", "v", "v[]", "t")], ordered=True)
    sql.check("SELECT typname, typelem::regtype::text FROM pg_type WHERE typname = '_t'", [("_t", "t")])
    sql.check("SELECT 't'::regtype::text, '_t'::regtype::text, format_type('t'::regtype, null)",
              [("t", "t[]", "t")])
    sql.setup("COMMENT ON TYPE t IS 'the row';\nCOMMENT ON TABLE t IS 'the table';\nCREATE ROLE rt_owner;\n"
              "ALTER TABLE t OWNER TO rt_owner;\nCREATE TABLE w (p t)")
    sql.check("SELECT obj_description('t'::regtype, 'pg_type'), obj_description('t'::regclass, 'pg_class'),"
              " typowner::regrole::text FROM pg_type WHERE typname = 't'", [("the row", "the table", "rt_owner")])
    sql.check("SELECT data_type, udt_name FROM information_schema.columns WHERE table_name = 'w'",
              [("USER-DEFINED", "t")])
    sql.setup("DROP VIEW v;\nDROP TABLE t, w;\nDROP ROLE rt_owner")


def test_names_shared_with_types(sql):
    sql.setup(T + ";\nCREATE TYPE e AS ENUM ('a');\nCREATE DOMAIN d AS int;\nCREATE TYPE c AS (x int)")
    sql.error("CREATE TYPE t AS (x int)", "42710", 'type "t" already exists')
    sql.error("CREATE TYPE t AS ENUM ('a')", "42710", 'type "t" already exists')
    sql.error("CREATE TABLE e (a int)", "42710", 'type "e" already exists')
    sql.error("CREATE VIEW d AS SELECT 1", "42710", 'type "d" already exists')
    sql.error("CREATE TABLE c (a int)", "42P07", 'relation "c" already exists')
    sql.error("ALTER TABLE t RENAME TO e", "42710", 'type "e" already exists')


def test_alter_table_follows(sql):
    sql.setup(HOLDER + ";\nCREATE FUNCTION first_b(x t) RETURNS text LANGUAGE sql AS 'SELECT x::text';\n"
              "INSERT INTO u VALUES (3, ROW(NULL, NULL), ARRAY[NULL, ROW(4, 'w'), ROW(NULL, NULL)]::t[])")
    sql.setup("ALTER TABLE t ADD COLUMN c int")
    sql.check("SELECT payload, ps::text FROM u ORDER BY id",
              [("(2,y,)", '{"(3,z,)"}'), (None, None), ("(,,)", '{NULL,"(4,w,)","(,,)"}')],
              ordered=True, same_types=False)
    sql.setup("ALTER TABLE t DROP COLUMN a")
    sql.check("SELECT payload, ps::text, (ps[2]).c FROM u ORDER BY id",
              [("(y,)", '{"(z,)"}', None), (None, None, None), ("(,)", '{NULL,"(w,)","(,)"}', None)],
              ordered=True, same_types=False)
    sql.setup("ALTER TABLE t DROP COLUMN c;\nALTER TABLE t ADD COLUMN a int")
    sql.setup("ALTER TABLE t RENAME COLUMN b TO bb")
    sql.check("SELECT (payload).bb, first_b(payload) FROM u WHERE id = 1", [("y", "(y,)")])
    sql.check("SELECT payload FROM u WHERE id = 1", [("(y,)",)], same_types=False)
    sql.setup("BEGIN;\nALTER TABLE t ADD COLUMN gone int;\nROLLBACK")  # the fields go back with it
    sql.check("SELECT payload, (payload).bb FROM u WHERE id = 1", [("(y,)", "y")], same_types=False)
    sql.error("SELECT (payload).gone FROM u", "42703", 'column "gone" not found in data type t')
    sql.error("ALTER TABLE t ALTER COLUMN a TYPE bigint", "0A000",
              'cannot alter table "t" because column "u.ps" uses its row type')
    sql.setup("ALTER TABLE t RENAME TO t2;\nCREATE SCHEMA sc;\nALTER TABLE t2 SET SCHEMA sc")
    sql.check("SELECT null::sc.t2, format_type(atttypid, null) FROM pg_attribute"
              " WHERE attrelid = 'u'::regclass AND attname = 'payload'", [(None, "sc.t2")], same_types=False)
    sql.error("SELECT null::t", "42704", 'type "t" does not exist')


def test_drop_table_with_dependents(sql):
    sql.setup(HOLDER + ";\nCREATE VIEW v AS SELECT a, b FROM t;\n"
              "CREATE FUNCTION f() RETURNS t LANGUAGE sql AS 'SELECT * FROM t ORDER BY a LIMIT 1';\n"
              "CREATE FUNCTION g(x t[]) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
              "CREATE TYPE ct AS (x int, y t)")
    sql.check("SELECT (f()).b", [("x",)])
    sql.error("DROP TABLE t", "2BP01", "cannot drop table t because other objects depend on it")
    sql.error("DROP TYPE t", "2BP01", "cannot drop type t because table t requires it")
    sql.error("DROP TYPE v", "2BP01", "cannot drop type v because view v requires it")
    sql.error("ALTER TYPE t ADD ATTRIBUTE z int", "42809", '"t" is not a composite type')
    sql.error("ALTER TYPE t RENAME TO t3", "42809", "t is a table's row type")
    sql.setup("DROP TABLE t CASCADE")
    sql.check("SELECT id FROM u ORDER BY id", [("1",), ("2",)], ordered=True)
    sql.check("SELECT attname FROM pg_attribute WHERE attrelid = 'u'::regclass AND attnum > 0 AND NOT attisdropped",
              [("id",)])
    sql.check("SELECT count(*) FROM pg_proc WHERE proname IN ('f', 'g')", [("0",)])
    sql.check("SELECT attname FROM pg_attribute WHERE attrelid = (SELECT typrelid FROM pg_type WHERE typname = 'ct')"
              " AND NOT attisdropped", [("x",)])
    sql.check("SELECT count(*) FROM pg_type WHERE typname IN ('t', '_t')", [("0",)])


def test_functions_and_plpgsql(sql):
    sql.setup(T + ";\nCREATE FUNCTION f() RETURNS t LANGUAGE sql AS 'SELECT * FROM t ORDER BY a LIMIT 1';\n"
              "CREATE FUNCTION fs() RETURNS SETOF t LANGUAGE plpgsql AS $$\n"
              "DECLARE r t; BEGIN FOR r IN SELECT * FROM t ORDER BY a LOOP r.a := r.a * 10; RETURN NEXT r; END LOOP; END $$;\n"
              "CREATE FUNCTION fr() RETURNS int LANGUAGE plpgsql AS $$\n"
              "DECLARE r t; s t%ROWTYPE; BEGIN SELECT * INTO r FROM t WHERE a = 2; s := r; RETURN r.a + s.a; END $$;\n"
              "CREATE FUNCTION fv(v t) RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN v.b || v.a; END $$")
    sql.check("SELECT (f()).*", [("1", "x")], columns=["a", "b"])
    sql.check("SELECT * FROM f()", [("1", "x")], columns=["a", "b"])
    sql.check("SELECT f()", [("(1,x)",)], same_types=False)
    sql.check("SELECT * FROM fs()", [("10", "x"), ("20", "y z")], columns=["a", "b"])
    sql.check("SELECT fr(), fv(ROW(3, 'q')::t)", [("4", "q3")])
    sql.check("SELECT fv(t) FROM t ORDER BY a", [("x1",), ("y z2",)], ordered=True)


def test_drop_schema_cascade_reaches_other_schemas(sql):
    sql.setup("CREATE SCHEMA s2;\nCREATE TABLE s2.a (x int);\n"
              "CREATE FUNCTION s2.g(p s2.a) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
              "CREATE TABLE outside (id int, z s2.a[], w s2.a);\nCREATE VIEW ov AS SELECT * FROM s2.a;\n"
              "CREATE FUNCTION out_f(p s2.a) RETURNS int LANGUAGE sql AS 'SELECT 2'")
    sql.error("DROP SCHEMA s2", "2BP01", "cannot drop schema s2 because other objects depend on it")
    sql.setup("DROP SCHEMA s2 CASCADE")
    sql.check("SELECT attname FROM pg_attribute WHERE attrelid = 'outside'::regclass AND attnum > 0"
              " AND NOT attisdropped", [("id",)])
    sql.check("SELECT count(*) FROM pg_class WHERE relname IN ('a', 'ov')", [("0",)])
    sql.check("SELECT count(*) FROM pg_proc WHERE proname IN ('g', 'out_f')", [("0",)])


def test_composite_attribute_of_the_type(sql):
    """A composite type's attribute of the row type counts only when a table stores that type."""
    sql.setup(T + ";\nCREATE TYPE ct AS (x int, y t);\nALTER TABLE t ADD COLUMN c int;\n"
              "ALTER TABLE t ALTER COLUMN a TYPE bigint")
    sql.check("SELECT ROW(1, ROW(2, 'q', 3))::ct, (ROW(1, ROW(2, 'q', 3))::ct).y.c", [('(1,"(2,q,3)")', "3")],
              same_types=False)
    sql.setup("CREATE TABLE holder (v ct);\nINSERT INTO holder VALUES (ROW(1, ROW(2, 'q', 3)))")
    sql.error("ALTER TABLE t ALTER COLUMN a TYPE int", "0A000",
              'cannot alter table "t" because column "holder.v" uses its row type')
