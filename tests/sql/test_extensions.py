"""CREATE/DROP EXTENSION as PostgreSQL 15 answers them for plpgsql (there from the start) and for
an extension that is not available; statements and clauses QuantaDB lacks name themselves in the
error (0A000) rather than being ignored, and VACUUM/ANALYZE options are checked as PostgreSQL's."""


def test_create_and_drop_extension(sql):
    sql.error("CREATE EXTENSION plpgsql", "42710", 'extension "plpgsql" already exists')
    sql.setup("CREATE EXTENSION IF NOT EXISTS plpgsql")
    sql.error("CREATE EXTENSION IF NOT EXISTS nope_ext", "0A000", 'extension "nope_ext" is not available')
    sql.error("CREATE EXTENSION nope_ext WITH SCHEMA public VERSION '1.0' CASCADE", "0A000",
              'extension "nope_ext" is not available')
    sql.error("DROP EXTENSION nope_ext", "42704", 'extension "nope_ext" does not exist')
    sql.setup("DROP EXTENSION IF EXISTS nope_ext, nope2 CASCADE")
    sql.check("SELECT extname FROM pg_extension", [("plpgsql",)])
    sql.error("CREATE EXTENSION", "42601")


def test_statements_not_supported_say_which(sql):
    quantadb = sql.conns["quantadb"]
    for statement, name in (("CREATE RULE r AS ON INSERT TO t DO NOTHING", "CREATE RULE"),
                            ("CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f()",
                             "CREATE EVENT TRIGGER"),
                            ("CREATE FOREIGN DATA WRAPPER w", "CREATE FOREIGN DATA WRAPPER"),
                            ("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) "
                             "SEARCH DEPTH FIRST BY n SET ord SELECT * FROM t",
                             "WITH RECURSIVE ... SEARCH or CYCLE"),
                            ("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) "
                             "CYCLE n SET c USING p SELECT * FROM t", "WITH RECURSIVE ... SEARCH or CYCLE")):
        result = quantadb.run(statement)
        assert (result.sqlstate, result.message) == ("0A000", f"{name} is not supported")


def test_vacuum_and_analyze_options_are_checked(sql):
    sql.setup("CREATE TABLE vt (a int);\nVACUUM (SKIP_LOCKED, INDEX_CLEANUP off, PARALLEL 2, FULL false, FREEZE) vt;\n"
              "ANALYZE (SKIP_LOCKED true) vt")
    sql.error("VACUUM (nonsense) vt", "42601", 'unrecognized VACUUM option "nonsense"')
    sql.error("ANALYZE (freeze) vt", "42601", 'unrecognized ANALYZE option "freeze"')
