"""Composite types (CREATE TYPE name AS (field type, ...)), each behaviour checked on QuantaDB and
on the reference PostgreSQL 15 alike: text input (record_in's quoting, NULL fields) and output,
casts from rows, field selection, comparisons and order, NULL tests, arrays of them, functions
returning them, UPDATE of one field, the catalog rows, ALTER TYPE and DROP TYPE's dependencies.
Composite-typed result columns carry each server's own OID for the type: those checks do not
compare column types (same_types=False)."""

PAIR = ("CREATE TYPE pair AS (x int, y text, d date);\n"
        "CREATE TABLE t (id int, c pair);\n"
        "INSERT INTO t VALUES (1, '(1,a,2020-01-01)'), (2, ROW(2, 'b c', NULL)), (3, NULL), (4, '(,,)')")


def test_text_input_and_output(sql):
    sql.setup(PAIR)
    sql.check("SELECT id, c FROM t ORDER BY id", [("1", "(1,a,2020-01-01)"), ("2", '(2,"b c",)'), ("3", None),
                                                   ("4", "(,,)")], ordered=True, same_types=False)
    # quotes group, a doubled quote is one, a backslash escapes, "" is an empty string and nothing is NULL
    sql.check("""SELECT '( 1 ,"x""y" ,)'::pair, '(1,a\\,b,)'::pair, '(1,"",)'::pair, ('(1,"",)'::pair).y = ''""",
              [('(1,"x""y ",)', '(1,"a,b",)', '(1,"",)', "t")], same_types=False)
    sql.check("SELECT c::text, c::text::pair = c FROM t WHERE id = 2", [('(2,"b c",)', "t")])
    sql.error("SELECT '(1,a)'::pair", "22P02", 'malformed record literal: "(1,a)"')
    sql.error("SELECT '(1,a,2020-01-01,4)'::pair", "22P02", 'malformed record literal: "(1,a,2020-01-01,4)"')
    sql.error("SELECT '1,a,'::pair", "22P02", 'malformed record literal: "1,a,"')
    sql.error("SELECT '(1,a,) x'::pair", "22P02", 'malformed record literal: "(1,a,) x"')
    sql.error("SELECT '(1,a,'::pair", "22P02", 'malformed record literal: "(1,a,"')
    sql.error("SELECT '(x,a,)'::pair", "22P02", 'invalid input syntax for type integer: "x"')


def test_rows_cast_to_the_type(sql):
    sql.setup(PAIR)
    sql.check("SELECT ROW(5, 'z', '2021-02-03')::pair, CAST(ROW(6, NULL, NULL) AS pair)",
              [("(5,z,2021-02-03)", "(6,,)")], same_types=False)
    sql.setup("INSERT INTO t VALUES (5, ROW(5, 'e', '2020-05-05'))")
    sql.check("SELECT c FROM t WHERE id = 5", [("(5,e,2020-05-05)",)], same_types=False)
    sql.error("SELECT ROW(1, 2)::pair", "42846", "cannot cast type record to pair")


def test_field_selection(sql):
    sql.setup(PAIR + ";\nCREATE TYPE outer_t AS (a int, p pair);\n"
              "CREATE TABLE n (v outer_t);\n"
              "INSERT INTO n VALUES (ROW(1, ROW(2, 'q w', '2020-01-01')::pair))")
    sql.check("SELECT id, (c).x, (c).y, (c).d FROM t ORDER BY id",
              [("1", "1", "a", "2020-01-01"), ("2", "2", "b c", None), ("3", None, None, None),
               ("4", None, None, None)], ordered=True)
    sql.check("SELECT (c).* FROM t WHERE id = 1", [("1", "a", "2020-01-01")], columns=["x", "y", "d"])
    sql.check("SELECT (v).p.y, ((v).p).d, (v).a FROM n", [("q w", "2020-01-01", "1")])
    sql.check("SELECT v FROM n", [('(1,"(2,""q w"",2020-01-01)")',)], same_types=False)
    sql.check("SELECT ('(7,s,)'::pair).y", [("s",)])
    sql.error("SELECT (c).nope FROM t", "42703", 'column "nope" not found in data type pair')


def test_comparisons_order_and_null_tests(sql):
    sql.setup(PAIR)
    # whole values compare as btrecordcmp: a NULL field equals a NULL field and sorts after values
    sql.check("SELECT id, c = '(1,a,2020-01-01)'::pair, c <> '(,,)'::pair, c < '(2,,)'::pair FROM t ORDER BY id",
              [("1", "t", "t", "t"), ("2", "f", "t", "t"), ("3", None, None, None), ("4", "f", "f", "f")],
              ordered=True)
    sql.check("SELECT id FROM t ORDER BY c", [("1",), ("2",), ("4",), ("3",)], ordered=True)
    sql.check("SELECT id FROM t ORDER BY c DESC", [("3",), ("4",), ("2",), ("1",)], ordered=True)
    # IS NULL: the value is NULL or every field is; IS NOT NULL: no field is
    sql.check("SELECT id, c IS NULL, c IS NOT NULL FROM t ORDER BY id",
              [("1", "f", "t"), ("2", "f", "f"), ("3", "t", "f"), ("4", "t", "f")], ordered=True)
    sql.check("SELECT count(DISTINCT c), count(DISTINCT c::text) FROM t", [("3", "3")])
    sql.error("SELECT c < ROW(1, 'a') FROM t", "42804")
    sql.error("SELECT c = ROW(1, 'a', '2020-01-01') FROM t", "42804")
    # an untyped literal compared with a row is a record, which has no input function
    sql.error("SELECT * FROM t WHERE c = '(1,a,)'", "0A000", "input of anonymous composite types is not implemented")
    sql.check("SELECT c::text AS v, count(*) FROM t GROUP BY c ORDER BY t.c",
              [("(1,a,2020-01-01)", "1"), ('(2,"b c",)', "1"), ("(,,)", "1"), (None, "1")], ordered=True)


def test_indexes_over_the_type(sql):
    sql.setup(PAIR + ";\nINSERT INTO t VALUES (5, '(1,a,)');\nCREATE INDEX t_c ON t (c)")
    sql.check("SELECT id FROM t WHERE c = '(1,a,)'::pair", [("5",)])
    sql.check("SELECT id FROM t WHERE c = '(,,)'::pair", [("4",)])
    sql.check("SELECT id FROM t WHERE c > '(1,a,2020-01-01)'::pair ORDER BY id", [("2",), ("4",), ("5",)],
              ordered=True)
    # a unique index: rows equal field by field (NULL fields too) are duplicates
    sql.setup("CREATE TABLE u (c pair UNIQUE);\nINSERT INTO u VALUES ('(1,a,)'), ('(,,)'), (NULL), (NULL)")
    sql.error("INSERT INTO u VALUES ('(1,a,)')", "23505", 'duplicate key value violates unique constraint "u_c_key"')
    sql.error("INSERT INTO u VALUES ('(,,)')", "23505")


def test_arrays_of_the_type(sql):
    sql.setup(PAIR + ";\nCREATE TABLE a (id int, cs pair[]);\n"
              "INSERT INTO a VALUES (1, ARRAY[ROW(1, 'x', NULL)::pair, NULL, '(,,)']), "
              """(2, '{"(2,\\"q\\",2020-01-01)"}')""")
    sql.check("SELECT id, cs, cs[1], (cs[1]).y FROM a ORDER BY id",
              [("1", '{"(1,x,)",NULL,"(,,)"}', "(1,x,)", "x"), ("2", '{"(2,q,2020-01-01)"}', "(2,q,2020-01-01)", "q")],
              ordered=True, same_types=False)
    sql.check("SELECT array_agg(c ORDER BY id) FROM t WHERE id < 3",
              [('{"(1,a,2020-01-01)","(2,\\"b c\\",)"}',)], same_types=False)
    # an array of anonymous records keeps its fields' types (a date printed as a date)
    sql.check("SELECT ARRAY[ROW(1, date '2020-01-01')], ARRAY(SELECT ROW(2, date '2021-01-01'))",
              [('{"(1,2020-01-01)"}', '{"(2,2021-01-01)"}')])


def test_functions_and_json(sql):
    sql.setup(PAIR + ";\nCREATE FUNCTION mk(i int) RETURNS pair LANGUAGE sql AS $$ SELECT i, 'm', NULL::date $$;\n"
              "CREATE FUNCTION each_pair() RETURNS SETOF pair LANGUAGE sql AS "
              "$$ SELECT (c).* FROM t WHERE c IS NOT NULL ORDER BY id $$;\n"
              "CREATE FUNCTION label(p pair) RETURNS text LANGUAGE sql AS $$ SELECT (p).y || '!' $$")
    sql.check("SELECT mk(1), (mk(2)).x", [("(1,m,)", "2")], same_types=False)
    sql.check("SELECT * FROM mk(3)", [("3", "m", None)], columns=["x", "y", "d"])
    sql.check("SELECT * FROM each_pair()", [("1", "a", "2020-01-01")])
    sql.check("SELECT label(c) FROM t WHERE id = 1", [("a!",)])
    sql.check("SELECT row_to_json(c), to_jsonb(c) FROM t WHERE id = 2",
              [('{"x":2,"y":"b c","d":null}', '{"d": null, "x": 2, "y": "b c"}')])


def test_plpgsql_variables_of_the_type(sql):
    """A variable of a composite type is a row of its fields: each can be assigned (plpgsql/declare.py)."""
    sql.setup(PAIR + ";\nCREATE FUNCTION build(i int) RETURNS pair LANGUAGE plpgsql AS $$\n"
              "DECLARE p pair; BEGIN p.x := i; p.y := 'v' || i; RETURN p; END $$")
    sql.check("SELECT build(2), (build(3)).y", [("(2,v2,)", "v3")], same_types=False)
    sql.check("SELECT * FROM build(5)", [("5", "v5", None)], columns=["x", "y", "d"])


def test_update_one_field(sql):
    sql.setup(PAIR + ";\nUPDATE t SET c.x = 10 WHERE id = 1;\nUPDATE t SET c.y = 'new', c.x = id * 100 WHERE id = 3")
    sql.check("SELECT id, c FROM t WHERE id IN (1, 3) ORDER BY id", [("1", "(10,a,2020-01-01)"), ("3", "(300,new,)")],
              ordered=True, same_types=False)
    sql.error("UPDATE t SET c.nope = 1", "42703",
              'cannot assign to field "nope" of column "c" because there is no such column in data type pair')
    sql.error("UPDATE t SET id.x = 1", "42804",
              'cannot assign to field "x" of column "id" because its type integer is not a composite type')


def test_catalog_rows(sql):
    sql.setup("CREATE TYPE pt AS (x int, label text COLLATE \"C\", tags text[] COLLATE pg_catalog.\"POSIX\")")
    sql.check("SELECT t.typtype, t.typcategory, t.typlen, t.typalign, c.relkind, c.relname, c.relnatts, "
              "a.typname, a.typelem = t.oid, t.typinput::text, t.typoutput::text, t.typsend::text, "
              "format_type(t.oid, -1), format_type(t.typarray, -1) "
              "FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid JOIN pg_type a ON a.oid = t.typarray "
              "WHERE t.typname = 'pt'",
              [("c", "C", "-1", "d", "c", "pt", "3", "_pt", "t", "record_in", "record_out", "record_send",
                "pt", "pt[]")])
    sql.check("SELECT attnum, attname, format_type(atttypid, atttypmod) FROM pg_attribute "
              "WHERE attrelid = (SELECT typrelid FROM pg_type WHERE typname = 'pt') ORDER BY attnum",
              [("1", "x", "integer"), ("2", "label", "text"), ("3", "tags", "text[]")], ordered=True)


def test_create_errors(sql):
    sql.error("CREATE TYPE bad AS (a int, a text)", "42701", 'column "a" specified more than once')
    sql.error("CREATE TYPE bad AS (r record)", "42P16", 'column "r" has pseudo-type record')
    sql.error("CREATE TYPE bad AS (n nosuchtype)", "42704", 'type "nosuchtype" does not exist')
    sql.error('CREATE TYPE bad AS (a text COLLATE "nope")', "42704", 'collation "nope" for encoding "UTF8" does not exist')
    sql.error('CREATE TYPE bad AS (a int COLLATE "C")', "42804", "collations are not supported by type integer")
    sql.setup("CREATE TYPE twice AS (a int)")
    sql.error("CREATE TYPE twice AS (b int)", "42710", 'type "twice" already exists')
    # the type's relation takes the name from tables and sequences too
    sql.error("CREATE TABLE twice (b int)", "42P07", 'relation "twice" already exists')
    sql.error("CREATE SEQUENCE twice", "42P07", 'relation "twice" already exists')


def test_alter_type_attributes(sql):
    sql.setup("CREATE TYPE e AS (a int)")
    # a cast of a column's values, once before and once after ADD ATTRIBUTE in the same session
    sql.check("SELECT t::e FROM (VALUES ('(1)'::text)) v(t)", [("(1)",)], same_types=False)
    sql.setup("ALTER TYPE e ADD ATTRIBUTE z int")
    sql.check("""SELECT t::e, u::e[] FROM (VALUES ('(1,2)'::text, '{"(3,4)"}'::text)) v(t, u)""",
              [("(1,2)", '{"(3,4)"}')], same_types=False)
    sql.setup("ALTER TYPE e DROP ATTRIBUTE z;\n"
              "ALTER TYPE e ADD ATTRIBUTE b text;\n"
              "ALTER TYPE e RENAME ATTRIBUTE a TO aa;\n"
              "ALTER TYPE e ALTER ATTRIBUTE aa TYPE bigint;\n"
              "ALTER TYPE e ADD ATTRIBUTE c int;\n"
              "ALTER TYPE e DROP ATTRIBUTE c;\n"
              "ALTER TYPE e DROP ATTRIBUTE IF EXISTS nope;\n"
              "ALTER TYPE e RENAME TO e2")
    sql.check("SELECT ('(12,z)'::e2).*", [("12", "z")], columns=["aa", "b"])
    sql.check("SELECT format_type(atttypid, -1) FROM pg_attribute WHERE attrelid = "
              "(SELECT typrelid FROM pg_type WHERE typname = 'e2') AND NOT attisdropped ORDER BY attnum",
              [("bigint",), ("text",)],
              ordered=True)
    sql.error("ALTER TYPE e2 ADD ATTRIBUTE b int", "42701", 'column "b" of relation "e2" already exists')
    sql.error("ALTER TYPE e2 DROP ATTRIBUTE nope", "42703", 'column "nope" of relation "e2" does not exist')
    sql.setup("CREATE TABLE uses (id int, v e2);\nINSERT INTO uses VALUES (1, '(1,x)'), (2, NULL), (3, '(,)');\n"
              "ALTER TYPE e2 RENAME ATTRIBUTE b TO bb")
    sql.check("SELECT (v).bb FROM uses WHERE id = 1", [("x",)])


def test_alter_type_attributes_of_stored_values(sql):
    sql.setup("CREATE TYPE u AS (a int, b text, c int);\n"
              "CREATE TABLE uses (id int, v u);\n"
              "INSERT INTO uses VALUES (1, '(1,x,3)'), (2, NULL), (3, '(,,)');\n"
              "BEGIN;\nALTER TYPE u DROP ATTRIBUTE a;\nROLLBACK;\n"
              "ALTER TYPE u DROP ATTRIBUTE b;\n"
              "ALTER TYPE u ADD ATTRIBUTE d text;\n"
              "INSERT INTO uses VALUES (4, '(4,5,six)')")
    # the values follow: NULL stays NULL, a row of NULLs stays one, the new attribute is NULL
    sql.check("SELECT id, v, (v).d FROM uses ORDER BY id",
              [("1", "(1,3,)", None), ("2", None, None), ("3", "(,,)", None), ("4", "(4,5,six)", "six")],
              ordered=True, same_types=False)
    sql.check("SELECT attname FROM pg_attribute WHERE attrelid = 'uses'::regclass AND attnum > 0 "
              "AND NOT attisdropped ORDER BY attnum", [("id",), ("v",)], ordered=True)
    sql.error("ALTER TYPE u ALTER ATTRIBUTE a TYPE bigint", "0A000",
              'cannot alter type "u" because column "uses.v" uses it')


def test_drop_type_dependencies(sql):
    sql.setup(PAIR + ";\nCREATE TYPE holder AS (h int, p pair);\nCREATE TABLE keep (id int, ps pair[])")
    sql.error("DROP TYPE pair", "2BP01", "cannot drop type pair because other objects depend on it")
    sql.setup("DROP TYPE pair CASCADE")
    sql.check("SELECT attname FROM pg_attribute WHERE attrelid = 'keep'::regclass AND attnum > 0 "
              "AND NOT attisdropped", [("id",)])
    sql.check("SELECT '(1)'::holder", [("(1)",)], same_types=False)
    sql.check("SELECT count(*) FROM pg_type WHERE typname IN ('pair', '_pair')", [("0",)])
    sql.setup("DROP TYPE IF EXISTS pair, holder")
    sql.check("SELECT count(*) FROM pg_class WHERE relname = 'holder'", [("0",)])
