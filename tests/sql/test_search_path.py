"""Unqualified names skip search_path schemas the user has no USAGE on, as PostgreSQL's
recomputeNamespacePath does (lookups, current_schemas(), current_schema() and the creation
schema); a qualified name still fails with 42501."""

from harness import Connection


def test_schemas_without_usage_are_skipped(sql):
    role = f"{sql.name}_u"
    sql.setup(f"CREATE ROLE {role} LOGIN;\nCREATE SCHEMA s4;\nCREATE TABLE s4.t (a int);\n"
              f"CREATE TABLE public.t (a int);\nINSERT INTO public.t VALUES (7);\n"
              f"GRANT SELECT ON public.t, s4.t TO {role}")
    try:
        for label, server in sql.servers:
            c = Connection(server.dsn(sql.name).replace("user=postgres", f"user={role}"))
            try:
                assert c.run("SET search_path = s4, public").sqlstate is None
                assert c.run("SELECT a FROM t").rows == [("7",)], label
                assert c.run("SELECT current_schemas(false), current_schemas(true), current_schema()").rows == \
                    [("{public}", "{pg_catalog,public}", "public")], label
                assert c.run("SELECT pg_table_is_visible('public.t'::regclass)").rows == [("t",)], label
                denied = c.run("SELECT a FROM s4.t")
                assert (denied.sqlstate, denied.message) == ("42501", "permission denied for schema s4"), label
                denied = c.run("CREATE TABLE t3 (a int)")
                assert (denied.sqlstate, denied.message) == ("42501", "permission denied for schema public"), label
                assert c.run("SET search_path = s4").sqlstate is None
                none = c.run("CREATE TABLE t3 (a int)")
                assert (none.sqlstate, none.message) == ("3F000", "no schema has been selected to create in"), label
            finally:
                c.close()
    finally:
        sql.setup(f"REVOKE SELECT ON public.t, s4.t FROM {role};\nDROP ROLE {role}")
