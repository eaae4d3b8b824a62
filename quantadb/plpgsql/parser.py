"""Parsing a PL/pgSQL body into the statement tree (tree.py), as pl_gram.y does.

The body is read with the SQL lexer's tokens (quotes, dollar quotes and comments as SQL has
them); embedded expressions and SQL statements are kept as text slices (an expression runs
to the keyword that ends it at parenthesis depth 0, a statement to its `;`). Grammar:

    block     := [<<label>>] [DECLARE decl...] BEGIN stmt... [EXCEPTION handler...] END [label] ;
    decl      := name [CONSTANT] type [COLLATE c] [NOT NULL] [{DEFAULT | := | =} expr] ;
               | name ALIAS FOR {$n | name} ;
               | name [[NO] SCROLL] CURSOR [(arg type, ...)] {FOR | IS} query ;
    type      := typename | var%TYPE | table%ROWTYPE | RECORD
    handler   := WHEN cond [OR cond]... THEN stmt...      cond := name | SQLSTATE 'xxxxx'
    stmt      := block
               | target {:= | =} expr ;                     target := name[.field] | name[expr]
               | IF expr THEN stmt... {ELSIF | ELSEIF} expr THEN stmt...]... [ELSE stmt...] END IF ;
               | CASE [expr] WHEN expr THEN stmt... ... [ELSE stmt...] END CASE ;
               | [<<label>>] LOOP stmt... END LOOP [label] ;
               | [<<label>>] WHILE expr LOOP stmt... END LOOP [label] ;
               | [<<label>>] FOR name IN [REVERSE] expr .. expr [BY expr] LOOP ... END LOOP [label] ;
               | [<<label>>] FOR target[, ...] IN {query | EXECUTE expr [USING expr, ...]} LOOP ...
               | [<<label>>] FOREACH target [SLICE n] IN ARRAY expr LOOP ... END LOOP [label] ;
               | [<<label>>] FOR name IN bound_cursor [(args)] LOOP ... END LOOP [label] ;
               | OPEN var [[NO] SCROLL] FOR {query | EXECUTE expr [USING ...]} ; | OPEN bound_cursor [(args)] ;
               | {FETCH | MOVE} [direction] [FROM | IN] var [INTO target[, ...]] ; | CLOSE var ;
               | {EXIT | CONTINUE} [label] [WHEN expr] ;
               | RETURN [expr] ; | RETURN NEXT [expr] ; | RETURN QUERY {query | EXECUTE expr [USING ...]} ;
               | RAISE [level] ['format' [, expr]...] [USING option = expr, ...] ;
               | RAISE [level] {condition | SQLSTATE 'xxxxx'} [USING ...] ;   | RAISE ;
               | ASSERT expr [, expr] ;
               | PERFORM query ;
               | sql-statement [INTO [STRICT] target[, ...]] ;   (SELECT, INSERT ... RETURNING, ...)
               | EXECUTE expr [INTO [STRICT] target[, ...]] [USING expr[, ...]] ;
               | GET [CURRENT | STACKED] DIAGNOSTICS target {= | :=} item [, ...] ;
               | NULL ; | COMMIT [AND [NO] CHAIN] ; | ROLLBACK [AND [NO] CHAIN] ;

Errors are 42601 with pl_gram.y's messages; `position` is 1-based in the body (the caller
shifts it to the statement's text).
"""

from __future__ import annotations

from quantadb.errors import SyntaxError as SqlSyntaxError
from quantadb.plpgsql import parse_cursors as C
from quantadb.plpgsql import parse_stmts as S
from quantadb.plpgsql import tree as T
from quantadb.sql.lexer import Token
from quantadb.sql.reader import TokenReader

_SQL_WORDS = ("select", "insert", "update", "delete", "with", "values", "merge", "table", "create", "drop",
              "alter", "truncate", "lock", "grant", "revoke", "comment", "analyze", "vacuum", "set", "reset",
              "notify", "listen", "unlisten", "refresh", "cluster", "reindex", "explain", "show",
              "discard", "savepoint", "release", "import", "security")


class Parser(TokenReader):
    def __init__(self, body: str, names: set[str]) -> None:
        super().__init__(body)
        self.names = set(names) | {"found"}  # known variables (the `"x" is not a known variable` check)
        self.cursors: dict[str, T.CursorDecl] = {}  # the bound cursors declared so far
        self.declared: dict[str, str] = {}  # the declared variables' types as written

    def is_op(self, value: str, k: int = 0) -> bool:
        tok = self.peek(k)
        return tok is not None and tok.kind == "op" and tok.value == value

    def semicolon(self) -> None:
        tok = self.peek()
        if tok is None or tok.kind != ";":
            self.fail(tok)
        self.i += 1

    def assign_op(self) -> bool:
        """`:=` (two tokens to the lexer) or `=`."""
        if self.is_op(":") and self.is_op("=", 1):
            self.i += 2
            return True
        return self.op("=")

    def fail(self, tok: Token | None, message: str | None = None) -> None:
        if tok is None:
            raise SqlSyntaxError(message or "syntax error at end of input", position=len(self.text) + 1)
        shown = self.text[tok.pos:].split(None, 1)[0] if tok.kind != "string" else tok.value
        shown = shown.split(";")[0] or ";"
        raise SqlSyntaxError(message or f'syntax error at or near "{shown}"', position=tok.pos + 1)

    def line(self, tok: Token | None = None) -> int:
        tok = tok or self.peek()
        pos = tok.pos if tok is not None else len(self.text)
        return self.text.count("\n", 0, pos) + 1

    def until(self, *stops: str, semicolon: bool = True, ops: tuple[str, ...] = ()) -> T.Sql:
        """The text up to (not including) one of the words `stops`, an op in `ops` or `;` at depth 0."""
        first = self.peek()
        if first is None:
            self.fail(None)
        depth = 0
        while (tok := self.peek()) is not None:
            if depth == 0 and (tok.kind == ";" and semicolon or tok.is_word(*stops) or
                               tok.kind == "op" and tok.value in ops):
                break
            if tok.kind == "op" and tok.value in ("(", "["):
                depth += 1
            elif tok.kind == "op" and tok.value in (")", "]"):
                depth -= 1
            self.i += 1
        end = tok.pos if tok is not None else len(self.text)
        text = self.text[first.pos:end].strip()
        if not text or (tok is not None and tok.pos == first.pos):
            self.fail(tok)
        return T.Sql(text, first.pos)

    def loop_body(self, label: str | None) -> list[T.Stmt]:
        """LOOP stmt... END LOOP [label] ;"""
        self.expect("loop")
        body = self.statements("end")
        self.expect("end")
        self.expect("loop")
        self.end_label(label)
        self.semicolon()
        return body

    def using(self, *stops: str) -> list[T.Sql]:
        """[USING expr, ...] of a dynamic statement."""
        out: list[T.Sql] = []
        if self.word("using"):
            out.append(self.until(*stops, ops=(",",)))
            while self.op(","):
                out.append(self.until(*stops, ops=(",",)))
        return out

    # -- blocks ---------------------------------------------------------------------------------
    def function_body(self) -> T.Block:
        conflict = None
        while self.op("#"):  # #variable_conflict error | use_variable | use_column, #print_strict_params on | off
            option = self.name()
            value = self.name()
            if option == "variable_conflict":
                if value not in ("error", "use_variable", "use_column"):
                    self.fail(self.toks[self.i - 1])
                conflict = value
        label = self.label()
        block = self.block(label)
        block.variable_conflict = conflict
        if self.peek() is not None and self.peek().kind == ";":
            self.i += 1
        if self.peek() is not None:
            self.fail(self.peek())
        return block

    def label(self) -> str | None:
        if self.op("<<"):
            name = self.name()
            if not self.op(">>"):
                self.fail(self.peek())
            return name
        return None

    def block(self, label: str | None) -> T.Block:
        line = self.line()
        decls: list[T.Decl] = []
        if self.word("declare"):
            while not self.word("begin"):
                if self.peek() is None:
                    self.fail(None)
                decls.append(self.declaration())
        else:
            self.expect("begin")
        body = self.statements("exception", "end")
        handlers = None
        if self.word("exception"):
            handlers = []
            while self.word("when"):
                conditions = [self.condition()]
                while self.word("or"):
                    conditions.append(self.condition())
                self.expect("then")
                handlers.append(T.Handler(conditions, self.statements("when", "end")))
            if not handlers:
                self.fail(self.peek())
        self.expect("end")
        self.end_label(label)
        return T.Block(line, label, decls, body, handlers)

    def end_label(self, label: str | None) -> None:
        tok = self.peek()
        if tok is not None and tok.kind in ("ident", "qident"):
            if label is None:
                self.fail(tok, f'end label "{tok.value}" specified for unlabeled block')
            if tok.value != label:
                self.fail(tok, f'end label "{tok.value}" differs from block\'s label "{label}"')
            self.i += 1

    def condition(self) -> str:
        if self.word("sqlstate"):
            tok = self.next()
            if tok.kind != "string" or len(tok.value) != 5:
                self.fail(tok, "invalid SQLSTATE code")
            return "sqlstate:" + tok.value.upper()
        return self.name()

    def declaration(self) -> T.Decl:
        line = self.line()
        self.label()  # (a label inside DECLARE labels nothing; pl_gram.y allows it there)
        name = self.name()
        if self.word("alias"):
            self.expect("for")
            tok = self.next()
            self.semicolon()
            self.names.add(name)
            return T.Decl(name, None, alias_of=tok.value, line=line)
        scrollable = C.scroll_option(self)
        if scrollable is not None or self.peek() is not None and self.peek().is_word("cursor"):
            self.expect("cursor")
            cursor = self.cursors[name] = C.cursor_declaration(self, name, scrollable)
            self.names.add(name)
            self.declared[name] = "refcursor"
            return T.Decl(name, "refcursor", line=line, cursor=cursor)
        constant = self.word("constant")
        type_text = self.until("not", "default", "collate", ops=(":", "="))
        if self.word("collate"):
            self.name()
        not_null = False
        if self.word("not"):
            self.expect("null")
            not_null = True
        default = None
        if self.word("default") or self.assign_op():
            default = self.until()
        self.semicolon()
        self.names.add(name)
        self.declared[name] = type_text.text
        return T.Decl(name, type_text.text, constant, not_null, default, line=line)

    def statements(self, *stops: str) -> list[T.Stmt]:
        out: list[T.Stmt] = []
        while True:
            tok = self.peek()
            if tok is None:
                self.fail(None)
            if tok.is_word(*stops):
                return out
            out.append(self.statement())

    # -- statements -------------------------------------------------------------------------------
    def statement(self) -> T.Stmt:
        label = self.label()
        tok = self.peek()
        if tok is None:
            self.fail(None)
        line = self.line(tok)
        word = tok.value if tok.kind == "ident" else ""
        if word in ("declare", "begin"):
            block = self.block(label)
            self.semicolon()
            return block
        if word in S.LOOPS:
            self.i += 1
            return S.LOOPS[word](self, line, label)
        if label is not None:
            self.fail(tok)
        handler = S.STATEMENTS.get(word)
        if handler is not None and not any(self.is_op(op, 1) for op in (":", "=", ".", "[")):
            self.i += 1
            return handler(self, line)
        if word in _SQL_WORDS or tok.kind == "op" and tok.value == "(":
            return self.sql_statement(line)
        if tok.kind in ("ident", "qident"):
            return self.assignment(line)
        self.fail(tok)

    def assignment(self, line: int) -> T.Stmt:
        tok = self.next()
        target = [tok.value]
        subscripts: list[T.Sql] = []
        while True:
            if self.op("."):
                target.append(self.name())
            elif self.op("["):
                subscripts.append(self.until(semicolon=False, ops=("]",)))
                self.op("]")
            else:
                break
        if not self.assign_op():
            self.fail(tok)
        if tok.value not in self.names:
            raise SqlSyntaxError(f'"{tok.value}" is not a known variable', position=tok.pos + 1)
        expr = self.until()
        self.semicolon()
        return T.Assign(line, target, expr, subscripts)

    def targets(self) -> list[str]:
        """INTO a, b / INTO rec / INTO rec.field: names as written (dotted)."""
        out = [self.dotted()]
        while self.op(","):
            out.append(self.dotted())
        return out

    def dotted(self) -> str:
        return ".".join(self.qualified_name())

    def sql_statement(self, line: int, perform: bool = False) -> T.Stmt:
        """A SQL statement to `;`, its INTO [STRICT] targets cut out (blanked, as PostgreSQL shows it)."""
        first = self.peek()
        start, depth = self.i, 0
        into: list[str] | None = None
        strict = False
        text = self.text
        blank: tuple[int, int] | None = None
        while (tok := self.peek()) is not None and tok.kind != ";":
            if tok.kind == "op" and tok.value in ("(", "["):
                depth += 1
            elif tok.kind == "op" and tok.value in (")", "]"):
                depth -= 1
            elif depth == 0 and tok.is_word("into") and into is None and not self._sql_into(start):
                into_pos = tok.pos
                self.i += 1
                strict = self.word("strict")
                into = self.targets()
                following = self.peek()
                blank = (into_pos, following.pos if following is not None else len(text))
                continue
            self.i += 1
        end = tok.pos if tok is not None else len(text)
        self.semicolon()
        sql = text[first.pos:end]
        if blank is not None:
            a, b = blank[0] - first.pos, blank[1] - first.pos
            sql = sql[:a] + " " * (b - a) + sql[b:]
        return T.ExecSql(line, T.Sql(sql.rstrip(), first.pos), into, strict, perform)

    def _sql_into(self, start: int) -> bool:
        """Is the INTO at the cursor SQL's own (INSERT INTO, MERGE INTO, IMPORT ... INTO)?"""
        prev = self.toks[self.i - 1] if self.i > start else None
        return prev is not None and prev.is_word("insert", "merge", "import")


def parse_body(body: str, names: set[str]) -> T.Block:
    """The tree of a function body; `names` the parameters' names (known variables)."""
    return Parser(body, names).function_body()

