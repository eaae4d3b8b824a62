"""User-defined LANGUAGE sql functions and procedures, each behaviour checked on QuantaDB and on
the reference PostgreSQL 15 alike: scalar, SETOF and TABLE results, overload resolution,
STRICT, defaults, volatile bodies that write, errors at CREATE and DROP, CALL, rollback."""

from harness import Connection


def test_scalar_functions_inlined_and_run_per_call(sql):
    sql.setup("CREATE TABLE t (a int, b text);\nINSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, NULL);\n"
              "CREATE FUNCTION add(int, int) RETURNS int LANGUAGE sql AS $$SELECT $1 + $2$$;\n"
              "CREATE FUNCTION cnt() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM t';\n"
              "CREATE FUNCTION label(n int) RETURNS text LANGUAGE sql AS $$SELECT b FROM t WHERE a = n$$;\n"
              "CREATE FUNCTION twice(x numeric) RETURNS int LANGUAGE sql RETURN x * 2")
    sql.check("SELECT add(20, 22)", [("42",)], columns=["add"])
    sql.check("SELECT a, add(a, 1), cnt(), label(a) FROM t WHERE add(a, a) > 2 ORDER BY a",
              [("2", "3", "3", "y"), ("3", "4", "3", None)], ordered=True)
    sql.check("SELECT label(99), twice(1.3)", [(None, "3")])  # no row: NULL; numeric 2.6 -> integer 3


def test_setof_table_and_out_parameters(sql):
    sql.setup("CREATE TABLE t (a int, b text);\nINSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'z');\n"
              "CREATE FUNCTION upto(n int) RETURNS SETOF int LANGUAGE sql AS 'SELECT a FROM t WHERE a <= n';\n"
              "CREATE FUNCTION rows_from(lo int) RETURNS TABLE(x int, y text) LANGUAGE sql\n"
              "  AS 'SELECT a, b FROM t WHERE a >= lo';\n"
              "CREATE FUNCTION pair(a int, OUT s int, OUT p int) LANGUAGE sql AS 'SELECT a + a, a * a'")
    sql.check("SELECT * FROM upto(2)", [("1",), ("2",)], columns=["upto"])
    sql.check("SELECT * FROM rows_from(2)", [("2", "y"), ("3", "z")], columns=["x", "y"])
    sql.check("SELECT upto(3) AS v ORDER BY v", [("1",), ("2",), ("3",)], ordered=True)
    sql.check("SELECT * FROM pair(3)", [("6", "9")], columns=["s", "p"])
    sql.check("SELECT t.a, r.y FROM t, LATERAL rows_from(t.a) r WHERE r.x = 3 ORDER BY 1",
              [("1", "z"), ("2", "z"), ("3", "z")], ordered=True)


def test_table_row_types_as_results(sql):
    sql.setup("CREATE TABLE users (id int, name text);\nINSERT INTO users VALUES (1, 'ann'), (2, 'bob');\n"
              "CREATE FUNCTION by_id(i int) RETURNS users LANGUAGE sql AS 'SELECT * FROM users WHERE id = i';\n"
              "CREATE FUNCTION all_users() RETURNS SETOF users LANGUAGE sql AS 'SELECT * FROM users'")
    sql.check("SELECT * FROM all_users()", [("1", "ann"), ("2", "bob")], columns=["id", "name"])
    sql.check("SELECT * FROM by_id(2)", [("2", "bob")])
    sql.check("SELECT (by_id(1)).name, pg_get_function_result('all_users'::regproc)", [("ann", "SETOF users")])
    sql.error("CREATE FUNCTION bad() RETURNS SETOF users LANGUAGE sql AS 'SELECT id FROM users'", "42P13",
              "return type mismatch in function declared to return users")


def test_overloads_resolve_as_postgresql_does(sql):
    sql.setup("CREATE FUNCTION f(int) RETURNS text LANGUAGE sql AS $$SELECT 'int'$$;\n"
              "CREATE FUNCTION f(text) RETURNS text LANGUAGE sql AS $$SELECT 'text'$$;\n"
              "CREATE FUNCTION g(bigint) RETURNS text LANGUAGE sql AS $$SELECT 'bigint'$$;\n"
              "CREATE FUNCTION h(int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
              "CREATE FUNCTION h(smallint) RETURNS int LANGUAGE sql AS 'SELECT 2'")
    sql.check("SELECT f(1), f('a'), f('a'::varchar), g(1), g(2::smallint)", [("int", "text", "text", "bigint", "bigint")])
    sql.error("SELECT f(1.5)", "42883", "function f(numeric) does not exist")
    sql.error("SELECT h(1::bigint)", "42883", "function h(bigint) does not exist")
    sql.check("SELECT h(1::int2), h(1)", [("2", "1")])


def test_strict_defaults_and_schemas(sql):
    sql.setup("CREATE FUNCTION sq(x int) RETURNS int LANGUAGE sql STRICT IMMUTABLE AS 'SELECT coalesce(x, 0) * 2';\n"
              "CREATE FUNCTION nn(x int) RETURNS int LANGUAGE sql AS 'SELECT coalesce(x, 0) * 2';\n"
              "CREATE FUNCTION d(a int, b int DEFAULT 10, c text = 'c') RETURNS text LANGUAGE sql\n"
              "  AS $$SELECT a || '/' || b || '/' || c$$;\n"
              "CREATE SCHEMA s;\nCREATE FUNCTION s.d(a int) RETURNS text LANGUAGE sql AS $$SELECT 'in s'$$")
    sql.check("SELECT sq(NULL), nn(NULL), sq(4), sq(x) FROM (VALUES (NULL::int), (5)) v(x) ORDER BY 4",
              [(None, "0", "8", "10"), (None, "0", "8", None)], ordered=True)
    sql.check("SELECT d(1), d(1, 2), d(1, 2, 'z'), s.d(1)", [("1/10/c", "1/2/c", "1/2/z", "in s")])
    sql.check("SELECT d(c => 'n', a => 5), d(7, c => 'm')", [("5/10/n", "7/10/m")])
    sql.error("SELECT d(b => 1)", "42883", "function d(b => integer) does not exist")
    sql.error("DROP SCHEMA s", "2BP01", "cannot drop schema s because other objects depend on it")
    sql.setup("DROP SCHEMA s CASCADE")
    sql.check("SELECT count(*) FROM pg_proc WHERE proname = 'd'", [("1",)])
    sql.error("CREATE FUNCTION e(a int DEFAULT 1, b int) RETURNS int LANGUAGE sql AS 'SELECT 1'", "42P13",
              "input parameters after one with a default value must also have defaults")


def test_volatile_body_writes_once_per_row(sql):
    sql.setup("CREATE TABLE log (v int);\nCREATE TABLE src (a int);\nINSERT INTO src VALUES (1), (2), (2);\n"
              "CREATE FUNCTION note(x int) RETURNS bigint LANGUAGE sql\n"
              "  AS 'INSERT INTO log VALUES (x); SELECT count(*) FROM log'")
    sql.check("SELECT count(note(a)) FROM src", [("3",)])
    sql.check("SELECT v FROM log ORDER BY v", [("1",), ("2",), ("2",)], ordered=True)


def test_errors_at_create(sql):
    sql.setup("CREATE TABLE t (a int)")
    sql.error("CREATE FUNCTION h() RETURNS int LANGUAGE sql AS 'SELECT x FROM nosuch'", "42P01",
              'relation "nosuch" does not exist')
    sql.error("CREATE FUNCTION h() RETURNS int LANGUAGE sql AS 'SELECT nosuchcol'", "42703",
              'column "nosuchcol" does not exist')
    sql.error("CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$SELECT 'a'::text$$", "42P13",
              "return type mismatch in function declared to return integer")
    sql.error("CREATE FUNCTION h() RETURNS int LANGUAGE sql AS 'SELECT 1, 2'", "42P13",
              "return type mismatch in function declared to return integer")
    sql.error("CREATE FUNCTION h() RETURNS int LANGUAGE sql AS 'INSERT INTO t VALUES (1)'", "42P13",
              "return type mismatch in function declared to return integer")
    sql.error("CREATE FUNCTION h() RETURNS nosuchtype LANGUAGE sql AS 'SELECT 1'", "42704",
              'type "nosuchtype" does not exist')
    sql.error("CREATE FUNCTION h() RETURNS int LANGUAGE foo AS 'SELECT 1'", "42704", 'language "foo" does not exist')
    sql.error("CREATE FUNCTION h() RETURNS int AS 'SELECT 1'", "42P13", "no language specified")
    sql.error("CREATE FUNCTION h() LANGUAGE sql AS 'SELECT 1'", "42P13", "function result type must be specified")
    sql.setup("CREATE FUNCTION h(int) RETURNS int LANGUAGE sql AS 'SELECT 1'")
    sql.error("CREATE FUNCTION h(int) RETURNS int LANGUAGE sql AS 'SELECT 2'", "42723",
              'function "h" already exists with same argument types')
    sql.error("CREATE OR REPLACE FUNCTION h(int) RETURNS text LANGUAGE sql AS 'SELECT 2'", "42P13",
              "cannot change return type of existing function")
    sql.setup("CREATE OR REPLACE FUNCTION h(int) RETURNS int LANGUAGE sql AS 'SELECT 2'")
    sql.check("SELECT h(0)", [("2",)])
    sql.setup("SET check_function_bodies = off;\nCREATE FUNCTION late() RETURNS int LANGUAGE sql AS 'SELECT a FROM later';\n"
              "RESET check_function_bodies")
    sql.error("SELECT late()", "42P01", 'relation "later" does not exist')


def test_drop_and_procedures(sql):
    sql.setup("CREATE TABLE t (a int);\n"
              "CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT $1';\n"
              "CREATE FUNCTION f(text) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
              "CREATE PROCEDURE p(v int, w int DEFAULT 1) LANGUAGE sql AS 'INSERT INTO t VALUES (v + w)'")
    sql.error("DROP FUNCTION f", "42725", 'function name "f" is not unique')
    sql.error("DROP FUNCTION nosuch", "42883", 'could not find a function named "nosuch"')
    sql.error("DROP FUNCTION f(bigint)", "42883", "function f(bigint) does not exist")
    sql.error("DROP FUNCTION p(int, int)", "42809", "p(integer, integer) is not a function")
    sql.error("DROP PROCEDURE f(int)", "42809", "f(integer) is not a procedure")
    sql.error("SELECT p(1)", "42809", "p(integer) is a procedure")
    sql.error("CALL f(1)", "42809", "f(integer) is not a procedure")
    sql.setup("CALL p(1);\nCALL p(10, 20);\nDROP FUNCTION IF EXISTS nosuch(int), f(int)")
    sql.check("SELECT a FROM t ORDER BY a", [("2",), ("30",)], ordered=True)
    sql.check("SELECT f('x')", [("1",)])
    sql.error("SELECT f(1)", "42883", "function f(integer) does not exist")
    sql.setup("DROP PROCEDURE p;\nDROP FUNCTION f")
    sql.check("SELECT count(*) FROM pg_proc WHERE proname IN ('f', 'p')", [("0",)])


def test_create_is_transactional(sql):
    for _, conn in sql.conns.items():
        assert conn.run("BEGIN").sqlstate is None
        assert conn.run("CREATE FUNCTION gone() RETURNS int LANGUAGE sql AS 'SELECT 1'").sqlstate is None
        assert conn.run("SELECT gone()").rows == [("1",)]
        assert conn.run("ROLLBACK").sqlstate is None
    sql.error("SELECT gone()", "42883", "function gone() does not exist")


def test_catalog_rows_and_definitions(sql):
    sql.setup("CREATE FUNCTION tf(a int, b text DEFAULT 'x', OUT c int, OUT d text) RETURNS SETOF record\n"
              "  LANGUAGE sql STABLE STRICT AS $$ SELECT a, b $$;\n"
              "CREATE FUNCTION tt(lo int) RETURNS TABLE(x int, y text) LANGUAGE sql IMMUTABLE AS 'SELECT 1, ''a''';\n"
              "CREATE PROCEDURE pp(a int, b text = 'q') LANGUAGE sql AS 'SELECT 1';\n"
              "COMMENT ON FUNCTION tt(int) IS 'rows'")
    sql.check("SELECT proname, pg_get_function_arguments(oid), pg_get_function_identity_arguments(oid),"
              " pg_get_function_result(oid), proallargtypes, proargmodes, proargnames, pronargs, pronargdefaults,"
              " proargtypes, prorettype, proretset, provolatile, proisstrict, prokind, prosrc, prorows"
              " FROM pg_proc WHERE proname IN ('tf', 'tt', 'pp') ORDER BY proname",
              [("pp", "IN a integer, IN b text DEFAULT 'q'::text", "IN a integer, IN b text", None, None, None,
                "{a,b}", "2", "1", "23 25", "2278", "f", "v", "f", "p", "SELECT 1", "0"),
               ("tf", "a integer, b text DEFAULT 'x'::text, OUT c integer, OUT d text",
                "a integer, b text, OUT c integer, OUT d text", "SETOF record", "{23,25,23,25}", "{i,i,o,o}",
                "{a,b,c,d}", "2", "1", "23 25", "2249", "t", "s", "t", "f", " SELECT a, b ", "1000"),
               ("tt", "lo integer", "lo integer", "TABLE(x integer, y text)", "{23,23,25}", "{i,t,t}", "{lo,x,y}",
                "1", "0", "23", "2249", "t", "i", "f", "f", "SELECT 1, 'a'", "1000")], ordered=True)
    sql.check("SELECT pg_get_functiondef('tf'::regproc)",
              [("CREATE OR REPLACE FUNCTION public.tf(a integer, b text DEFAULT 'x'::text, OUT c integer, OUT d text)\n"
                " RETURNS SETOF record\n LANGUAGE sql\n STABLE STRICT\nAS $function$ SELECT a, b $function$\n",)])
    sql.check("SELECT pg_get_functiondef('pp'::regproc)",
              [("CREATE OR REPLACE PROCEDURE public.pp(IN a integer, IN b text DEFAULT 'q'::text)\n"
                " LANGUAGE sql\nAS $procedure$SELECT 1$procedure$\n",)])
    sql.check("SELECT 'tt(int)'::regprocedure, 'tt'::regproc, 'tt(integer)'::regprocedure = 'tt'::regproc,"
              " obj_description('tt'::regproc, 'pg_proc')", [("tt(integer)", "tt", "t", "rows")])
    sql.check("SELECT routine_name, routine_type, data_type, routine_body FROM information_schema.routines"
              " WHERE routine_schema = 'public' ORDER BY 1",
              [("pp", "PROCEDURE", None, "SQL"), ("tf", "FUNCTION", "record", "SQL"),
               ("tt", "FUNCTION", "record", "SQL")], ordered=True)
    sql.error("SELECT 'tt(text)'::regprocedure", "42883", 'function "tt(text)" does not exist')


def test_execute_privilege(sql):
    role = f"{sql.name}_r"
    sql.setup(f"CREATE ROLE {role} LOGIN;\nCREATE FUNCTION hidden(int) RETURNS int LANGUAGE sql AS 'SELECT $1 * 7';\n"
              "CREATE FUNCTION open_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'")
    try:
        sql.check(f"SELECT has_function_privilege('{role}', 'hidden(int)', 'EXECUTE')", [("t",)])
        sql.setup("REVOKE EXECUTE ON FUNCTION hidden(int) FROM PUBLIC")
        sql.check(f"SELECT has_function_privilege('{role}', 'hidden(int)', 'EXECUTE'), proacl FROM pg_proc"
                  " WHERE proname = 'hidden'", [("f", "{postgres=X/postgres}")])
        for label, server in sql.servers:
            c = Connection(server.dsn(sql.name).replace("user=postgres", f"user={role}"))
            try:
                denied = c.run("SELECT hidden(1)")
                assert (denied.sqlstate, denied.message) == ("42501", "permission denied for function hidden"), label
                assert c.run("SELECT open_fn()").rows == [("1",)], label
            finally:
                c.close()
        sql.setup(f"GRANT EXECUTE ON FUNCTION hidden(int) TO {role}")
        sql.check(f"SELECT has_function_privilege('{role}', 'hidden(int)', 'EXECUTE')", [("t",)])
        for label, server in sql.servers:
            c = Connection(server.dsn(sql.name).replace("user=postgres", f"user={role}"))
            try:
                assert c.run("SELECT hidden(2)").rows == [("14",)], label
            finally:
                c.close()
    finally:
        sql.setup(f"DROP FUNCTION hidden(int);\nDROP ROLE {role}")


def test_security_definer_reads_as_its_owner(sql):
    owner, caller = f"{sql.name}_own", f"{sql.name}_call"
    sql.setup(f"CREATE ROLE {owner};\nCREATE ROLE {caller} LOGIN;\nCREATE TABLE vault (v int);\n"
              f"INSERT INTO vault VALUES (42);\nGRANT SELECT ON vault TO {owner};\n"
              "CREATE FUNCTION peek_definer() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT v FROM vault';\n"
              "CREATE FUNCTION peek_invoker() RETURNS int LANGUAGE sql AS 'SELECT v FROM vault';\n"
              f"ALTER FUNCTION peek_definer() OWNER TO {owner}")
    try:
        for label, server in sql.servers:
            c = Connection(server.dsn(sql.name).replace("user=postgres", f"user={caller}"))
            try:
                assert c.run("SELECT peek_definer()").rows == [("42",)], label
                denied = c.run("SELECT peek_invoker()")
                assert (denied.sqlstate, denied.message) == ("42501", "permission denied for table vault"), label
            finally:
                c.close()
    finally:
        sql.setup(f"DROP FUNCTION peek_definer();\nREVOKE SELECT ON vault FROM {owner};\nDROP ROLE {owner};\n"
                  f"DROP ROLE {caller}")


def test_alter_function(sql):
    sql.setup("CREATE SCHEMA s2;\nCREATE FUNCTION f(x int) RETURNS int LANGUAGE sql AS 'SELECT x + 1';\n"
              "ALTER FUNCTION f(int) RENAME TO g;\nALTER FUNCTION g(int) IMMUTABLE STRICT;\n"
              "ALTER FUNCTION g(int) SET SCHEMA s2")
    sql.check("SELECT s2.g(1), provolatile, proisstrict FROM pg_proc WHERE proname = 'g'", [("2", "i", "t")])
    role = f"{sql.name}_o"
    sql.setup(f"CREATE ROLE {role};\nALTER FUNCTION s2.g(int) OWNER TO {role}")
    sql.check("SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'g'", [(role,)])
    sql.setup(f"DROP FUNCTION s2.g(int);\nDROP ROLE {role}")
    sql.error("SELECT g(1)", "42883", "function g(integer) does not exist")


def test_polymorphic_functions(sql):
    sql.setup("CREATE FUNCTION firstof(anyarray) RETURNS anyelement LANGUAGE sql IMMUTABLE AS 'SELECT $1[1]';\n"
              "CREATE FUNCTION pairup(a anyelement, b anyelement) RETURNS anyarray LANGUAGE sql\n"
              "  AS 'SELECT array[a, b]';\n"
              "CREATE FUNCTION twice_of(x anyelement) RETURNS SETOF anyelement LANGUAGE sql\n"
              "  AS 'SELECT x UNION ALL SELECT x'")
    sql.check("SELECT firstof(array[3, 4]), firstof(array['a', 'b']), pairup(1, 2), pairup('x'::text, 'y')",
              [("3", "a", "{1,2}", "{x,y}")])
    sql.check("SELECT * FROM twice_of(7)", [("7",), ("7",)])
    sql.check("SELECT pg_get_function_arguments('pairup'::regproc), pg_get_function_result('pairup'::regproc)",
              [("a anyelement, b anyelement", "anyarray")])
    sql.error("SELECT pairup('a', 'b')", "42804", "could not determine polymorphic type because input has type unknown")
    sql.error("CREATE FUNCTION badp(int) RETURNS anyelement LANGUAGE sql AS 'SELECT 1'", "42P13",
              "cannot determine result data type")


def test_stored_expressions_keep_the_call(sql):
    sql.setup("CREATE FUNCTION three() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 3';\n"
              "CREATE TABLE td (a int DEFAULT three(), b int CHECK (b <> three()));\n"
              "CREATE VIEW vf AS SELECT three() + 1 AS x")
    sql.check("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'td'::regclass", [("three()",)])
    sql.check("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'td'::regclass",
              [("CHECK ((b <> three()))",)])
    sql.setup("SET search_path = ''")
    sql.check("SELECT x FROM public.vf", [("4",)])  # the view found its function when it was made
    sql.setup("RESET search_path")


def test_set_clauses(sql):
    sql.setup("CREATE SCHEMA hid;\nCREATE TABLE hid.tt (x int);\nINSERT INTO hid.tt VALUES (9);\n"
              "CREATE FUNCTION cfg() RETURNS int LANGUAGE sql SET search_path = hid, pg_temp SET work_mem TO '64MB'\n"
              "  AS 'SELECT x FROM tt'")
    sql.check("SELECT cfg(), proconfig FROM pg_proc WHERE proname = 'cfg'",
              [("9", '{"search_path=hid, pg_temp",work_mem=64MB}')])
    sql.check("SELECT pg_get_functiondef('cfg'::regproc)",
              [("CREATE OR REPLACE FUNCTION public.cfg()\n RETURNS integer\n LANGUAGE sql\n"
                " SET search_path TO 'hid', 'pg_temp'\n SET work_mem TO '64MB'\nAS $function$SELECT x FROM tt$function$\n",)])
    sql.setup("ALTER FUNCTION cfg() SET work_mem = '1MB'")
    sql.check("SELECT proconfig FROM pg_proc WHERE proname = 'cfg'", [('{"search_path=hid, pg_temp",work_mem=1MB}',)])


def test_a_void_function_returns_null(sql):
    sql.setup("CREATE FUNCTION vf_null() RETURNS void LANGUAGE sql AS 'SELECT 1'")
    sql.check("SELECT vf_null() IS NULL", [("t",)])


def test_the_calling_query_does_not_see_what_a_volatile_function_writes(sql):
    """PostgreSQL's command ids: the function's statements see its earlier writes, the calling
    statement reads its rows as they were before it (checked on PostgreSQL 15)."""
    sql.setup("CREATE TABLE vf (x int);\nINSERT INTO vf VALUES (1), (2);\n"
              "CREATE FUNCTION addrow(i int) RETURNS int LANGUAGE sql VOLATILE AS "
              "$$ INSERT INTO vf VALUES (i * 10); SELECT count(*)::int FROM vf $$")
    sql.check("SELECT addrow(x), (SELECT count(*) FROM vf) FROM vf ORDER BY 1", [("3", "2"), ("4", "2")])
    sql.check("SELECT addrow(100), (SELECT count(*) FROM vf)", [("5", "4")])
    sql.check("WITH w AS (SELECT addrow(7)) SELECT (SELECT count(*) FROM vf), (SELECT * FROM w)", [("5", "6")])
    sql.check("UPDATE vf SET x = x + addrow(0) - addrow(0) WHERE x = 1 RETURNING x, (SELECT count(*) FROM vf)",
              [("0", "6")])
    sql.check("SELECT count(*) FROM vf", [("8",)])
    sql.setup("BEGIN;\nDECLARE c CURSOR FOR SELECT addrow(1)")
    sql.check("FETCH c", [("9",)])
    sql.setup("COMMIT;\nDROP TABLE vf;\nDROP FUNCTION addrow")
