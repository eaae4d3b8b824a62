"""regproc input and output over the built-in functions, and pg_type's input/output functions
(typinput...typsend) with PostgreSQL 15's names and OIDs: the JDBC driver tells array types by
`typinput = 'pg_catalog.array_in'::regproc`."""


def test_regproc_in_and_out(sql):
    sql.check("SELECT 'array_in'::regproc, 'pg_catalog.int4in'::regproc::oid, 'textout'::regproc::oid::regproc",
              [("array_in", "42", "textout")])
    sql.check("SELECT DISTINCT p.oid::regproc::text FROM pg_proc p WHERE p.proname = 'abs'", [("pg_catalog.abs",)])
    sql.error("SELECT 'abs'::regproc", "42725", 'more than one function named "abs"')
    sql.error("SELECT 'no_such_function'::regproc", "42883", 'function "no_such_function" does not exist')
    sql.error("SELECT 'public.int4in'::regproc", "42883", 'function "public.int4in" does not exist')


def test_type_io_functions(sql):
    sql.check("SELECT typname, typinput, typoutput, typreceive, typsend FROM pg_type"
              " WHERE oid IN (22, 23, 1007, 1082, 1790) ORDER BY oid",
              [("int2vector", "int2vectorin", "int2vectorout", "int2vectorrecv", "int2vectorsend"),
               ("int4", "int4in", "int4out", "int4recv", "int4send"),
               ("_int4", "array_in", "array_out", "array_recv", "array_send"),
               ("date", "date_in", "date_out", "date_recv", "date_send"),
               ("refcursor", "textin", "textout", "textrecv", "textsend")], ordered=True)
    sql.check("SELECT typname, typinput = 'pg_catalog.array_in'::regproc AS is_array FROM pg_type"
              " WHERE typname IN ('int4', '_int4', 'int2vector') ORDER BY typname",
              [("_int4", "t"), ("int2vector", "f"), ("int4", "f")], ordered=True)
    sql.check("SELECT proname, pronargs, prorettype::regtype, proargtypes::text FROM pg_proc"
              " WHERE oid IN ('int4in'::regproc, 'int4recv'::regproc) ORDER BY oid",
              [("int4in", "1", "integer", "2275"), ("int4recv", "1", "integer", "2281")], ordered=True)
