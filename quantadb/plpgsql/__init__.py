"""PL/pgSQL: PostgreSQL's procedural language, interpreted over QuantaDB's SQL engine.

parser.py (with parse_stmts.py and parse_cursors.py) reads a body into the statement tree of
tree.py; interp.py runs it (sqlstmts.py the statements that run SQL, cursors.py OPEN, FETCH and
CLOSE over the session's portals, raising.py RAISE, ASSERT and error handling, declare.py
declarations); exprs.py binds and runs the embedded SQL through the engine with the
variables (variables.py) as parameters; call.py is the entry for function calls, DO and the
CREATE-time check. It sits beside exec/ (layer 4): it plans with sql/ and runs with exec/.
"""
