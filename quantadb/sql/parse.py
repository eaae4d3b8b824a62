"""The only place that calls sqlglot: text in, sqlglot AST out, errors as PostgreSQL's.

sqlglot's known misparses of PostgreSQL (reference/client-compatibility.md §2.8) are avoided
by routing utility statements around it (sql/utility.py) and by rewriting the few constructs
it cannot read before parsing (see `_prepare`).
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokenizer_core import TokenizerCore
from sqlglot.tokens import Token, TokenType

from quantadb.errors import SyntaxError as SqlSyntaxError
from quantadb.sql.lexer import tokenize
from quantadb.sql.positions import TEXT_KEY

# `x::regclass[]` / `::oid[]` fail in sqlglot: cast through a spelled-out array type instead.
_ARRAY_CAST = re.compile(r"::\s*(pg_catalog\.)?(oid|regclass|regtype|regproc|regnamespace|regrole|name|int2|int4|int8|text|char|\"char\")\s*\[\s*\]",
                         re.IGNORECASE)


# Functions sqlglot would turn into one of its own nodes with another name, other arguments or
# another argument order (substr -> SUBSTRING, mod -> %, strpos -> POSITION, array_prepend swapped,
# initcap with an extra argument, date_trunc's field read as a keyword even when it is a column,
# now(x) losing its argument, array_join read as array_to_string, sha256(x) as sha2(x, 256)):
# kept as plain calls of the function the statement names.
_CALLS_AS_WRITTEN = (
    "array_join", "array_position", "array_prepend", "ceiling", "char_length", "character_length", "date_trunc",
    "div", "initcap", "json_extract_path", "json_extract_path_text", "length", "log10", "mod", "now", "pow", "power", "strpos",
    "sha224", "sha256", "sha384", "sha512", "substr", "to_hex", "var_samp", "variance", "width_bucket",
    "corr", "covar_pop", "covar_samp", "regr_avgx", "regr_avgy", "regr_count", "regr_intercept", "regr_r2",
    "regr_slope", "regr_sxx", "regr_sxy", "regr_syy",
)


_E_STRING = re.compile(r"(?<![\w$])[eE]'")
_INTERVAL_FIELDS = frozenset(("YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND"))


def _as_written(name: str):
    return lambda args: exp.Anonymous(this=name, expressions=args)


class OnCommitDrop(exp.Property):
    """PostgreSQL's ON COMMIT DROP of a temporary table."""

    arg_types: dict = {}


class PrefixOperator(exp.Unary):
    """`+x`, `|/ x`, `||/ x`, `@ x`: operator calls in PostgreSQL (int4up, dsqrt, dcbrt, int4abs;
    the column is `?column?`). sqlglot would drop the `+`, read `|/` and `||/` as sqrt()/cbrt()
    calls and `@` as a variable's sigil."""

    arg_types = {"this": True, "op": True}


class CurrentOf(exp.Expression):
    """UPDATE/DELETE's `WHERE CURRENT OF cursor` (`this`: the cursor's name, an Identifier)."""

    arg_types = {"this": True}


class _PostgresOut(Postgres):
    """The stock PostgreSQL generator, plus the nodes this module adds."""

    class Generator(Postgres.Generator):
        TRANSFORMS = {**Postgres.Generator.TRANSFORMS,
                      PrefixOperator: lambda self, e: f"{e.args['op']} {self.sql(e, 'this')}"}


_NAME_TOKENS = (TokenType.VAR, TokenType.IDENTIFIER, TokenType.STAR, TokenType.NUMBER, TokenType.STRING,
                TokenType.PARAMETER, TokenType.PLACEHOLDER)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


# PostgreSQL's dollar quote opening: $$ or $tag$, the tag an identifier without a $ (scan.l's dolqdelim)
_DOLLAR_QUOTE = re.compile(r"\$(?:[^\W\d]\w*)?\$")


class _TokenizerCore(TokenizerCore):
    """sqlglot's scanner, but a $ opens a dollar quote only as PostgreSQL's does: sqlglot took
    `$1,$` (`SELECT $1,$2`, psycopg's `IN (%s,%s)`) for a quote's tag and failed at the end."""

    __slots__ = ()  # (the base's layout: the tokenizer's core becomes one by __class__)

    def _scan_string(self, start: str) -> bool:
        if start == "$" and not _DOLLAR_QUOTE.match(self.sql, self._current - 1):
            self._add(self.heredoc_string_alternative)  # a parameter's $, its number next
            return True
        return super()._scan_string(start)


class _PostgresAsWritten(Postgres):
    """sqlglot's PostgreSQL dialect, but array subscripts stay as written (1-based), and dollar
    quotes are PostgreSQL's (_TokenizerCore).

    The stock dialect turns `a[1]` into a 0-based `a[0]` only when it can guess that `a` is an
    array and the index an integer literal, so the binder could not tell a shifted index from an
    unshifted one. Brackets parsed here carry offset=1, so `to_sql` writes them back unchanged."""

    INDEX_OFFSET = 0

    class Tokenizer(Postgres.Tokenizer):
        def _init_core(self) -> TokenizerCore:
            core = super()._init_core()
            core.__class__ = _TokenizerCore
            return core

    class Parser(Postgres.Parser):
        # unreserved in PostgreSQL, so names anywhere a name stands: CREATE TABLE alter ...,
        # SELECT insert FROM t, and aliases (SELECT x drop FROM t lock)
        _UNRESERVED = {TokenType.ALTER, TokenType.DROP, TokenType.INSERT, TokenType.REVOKE, TokenType.ROLLBACK}
        # BETWEEN is a column-name keyword there: a column's name (SELECT between FROM t), not an alias
        ID_VAR_TOKENS = Postgres.Parser.ID_VAR_TOKENS | _UNRESERVED | {TokenType.BETWEEN}
        ALIAS_TOKENS = Postgres.Parser.ALIAS_TOKENS | _UNRESERVED
        TABLE_ALIAS_TOKENS = Postgres.Parser.TABLE_ALIAS_TOKENS | _UNRESERVED | {TokenType.LOCK}
        # date_part() and substr() stay the functions they name (sqlglot would read them as
        # EXTRACT and SUBSTRING, whose result type and column name differ)
        FUNCTION_PARSERS = {k: v for k, v in Postgres.Parser.FUNCTION_PARSERS.items()
                            if k != "DATE_PART" and k.lower() not in _CALLS_AS_WRITTEN}
        # PostgreSQL has no IF(): `if` is an unreserved keyword, a name (WHERE if = 1)
        FUNCTIONS = {**{k: v for k, v in Postgres.Parser.FUNCTIONS.items() if k not in ("IF", "IIF")},
                     **{name.upper(): _as_written(name) for name in _CALLS_AS_WRITTEN}}
        NO_PAREN_FUNCTION_PARSERS = {k: v for k, v in Postgres.Parser.NO_PAREN_FUNCTION_PARSERS.items() if k != "IF"}
        # a key constraint's NOT DEFERRABLE (sqlglot knows NOT ENFORCED only)
        KEY_CONSTRAINT_OPTIONS = {**Postgres.Parser.KEY_CONSTRAINT_OPTIONS, "NOT": ("ENFORCED", "DEFERRABLE")}
        UNARY_PARSERS = {**Postgres.Parser.UNARY_PARSERS, **{
            token: lambda self, op=op: self.expression(PrefixOperator(this=self._parse_unary(), op=op))
            for token, op in ((TokenType.PLUS, "+"), (TokenType.PIPE_SLASH, "|/"), (TokenType.DPIPE_SLASH, "||/"))},
            TokenType.PARAMETER: lambda self: self._parse_at_sign()}

        def parse(self, raw_tokens: list[Token], sql: str) -> list[exp.Expression | None]:
            tokens, option = _view_check_option(raw_tokens)
            tokens, nulls_not_distinct = _nulls_distinct(tokens)
            parsed = super().parse(_names_after_dots(tokens, self.ID_VAR_TOKENS), sql)
            if option and len(parsed) == 1 and isinstance(parsed[0], exp.Create):
                parsed[0].set("check_option", option)
            if nulls_not_distinct and len(parsed) == 1 and isinstance(parsed[0], exp.Create):
                parsed[0].set("nulls_not_distinct", True)
            return parsed

        def _parse_where(self, skip_where_token: bool = False) -> exp.Where | None:
            # WHERE CURRENT OF cursor_name (an UPDATE's or DELETE's; the binder refuses it elsewhere)
            if not skip_where_token and self._curr is not None and self._curr.token_type == TokenType.WHERE \
                    and self._next is not None and self._next.text.upper() == "CURRENT" \
                    and self._index + 2 < len(self._tokens) and self._tokens[self._index + 2].text.upper() == "OF":
                of = self._tokens[self._index + 2]
                self._advance(3)
                at = self._curr
                name = self._parse_id_var(any_token=False)
                if not isinstance(name, exp.Identifier):  # (`$1` too: a name, not a parameter)
                    if name is not None:  # the error names all of it (`$1`)
                        at = Token(at.token_type, self.sql[at.start:self._prev.end + 1], at.line,
                                   self._prev.col, at.start, self._prev.end)
                    self.raise_error("Expected a cursor name", at)
                current_of = self.expression(CurrentOf(this=name))
                current_of.meta.update(start=of.start, end=of.end, of=of.text)  # (errors name OF, as PostgreSQL's)
                return self.expression(exp.Where(this=current_of))
            return super()._parse_where(skip_where_token)

        def _parse_constraint(self) -> exp.Expression | None:
            # EXCLUDE starts a constraint only before USING or "(": otherwise it names a column
            if self._curr is not None and self._curr.text.upper() == "EXCLUDE" and \
                    (self._next is None or self._next.token_type not in (TokenType.USING, TokenType.L_PAREN)):
                return None
            return super()._parse_constraint()

        def validate_expression(self, expression: exp.Expression, args: list | None = None) -> exp.Expression:
            try:
                return super().validate_expression(expression, args)
            except ParseError:
                if args is None or not isinstance(expression, exp.Func):
                    raise
            # a function sqlglot knows, called with arguments its class does not take (abs(x, y)):
            # a plain call, which PostgreSQL resolves by its argument types (42883 if none fits)
            return exp.Anonymous(this=type(expression).sql_names()[0].lower(), expressions=args)

        def raise_error(self, message: str, token: Token | None = None) -> None:
            # past the last token sqlglot blames that token; PostgreSQL reports the end of input
            if not token and (self._curr is None or self._curr.token_type == TokenType.SENTINEL) and self._tokens:
                end = len(self.sql)
                token = Token(TokenType.STRING, "", self._prev.line, self._prev.col, end, end)
            super().raise_error(message, token)

        def _parse_at_sign(self) -> exp.Expression | None:
            # `@ x` is absolute value; `$1` is the same token type, a parameter
            if self._prev.text == "@":
                return self.expression(PrefixOperator(this=self._parse_unary(), op="@"))
            self._retreat(self._index - 1)
            return self._parse_type()

        def _parse_trim(self) -> exp.Trim:
            # PostgreSQL also reads TRIM([BOTH | LEADING | TRAILING] FROM string [, characters])
            index = self._index
            position = self._prev.text.upper() if self._match_texts(self.TRIM_TYPES) else None
            if self._match(TokenType.FROM):
                args = self._parse_csv(self._parse_bitwise)
                if 1 <= len(args) <= 2:
                    return self.expression(exp.Trim(this=args[0], position=position,
                                                    expression=args[1] if len(args) > 1 else None))
            self._retreat(index)
            return super()._parse_trim()

        def _parse_interval_span(self, this: exp.Expression, parse_function_unit: bool = True) -> exp.Interval:
            # INTERVAL '1 day 02:03:04' is one interval input string (sqlglot keeps only '1 day'); a
            # field after a plain number names its unit (INTERVAL '2' HOUR), `x TO y` is dropped
            if this is None or not this.is_string:
                return super()._parse_interval_span(this, parse_function_unit)
            unit = None
            if self._curr is not None and self._curr.text.upper() in _INTERVAL_FIELDS:
                unit = exp.Var(this=self._curr.text.upper())
                self._advance()
                if self._match_text_seq("TO"):
                    self._advance()
                    unit = None
            if unit is not None and not re.fullmatch(r"\s*[-+]?[\d.]+\s*", this.name):
                unit = None
            return self.expression(exp.Interval(this=this, unit=unit))

        def _parse_insert(self) -> exp.Expression:
            # INSERT ... OVERRIDING {SYSTEM | USER} VALUE: kept as the Insert's `overriding`
            self._overriding = None
            node = super()._parse_insert()
            if isinstance(node, exp.Insert) and self._overriding:
                node.set("overriding", self._overriding)
            return node

        def _parse_returning(self) -> exp.Expression | None:
            # called by _parse_insert just after the column list, where OVERRIDING stands
            self._parse_overriding()
            return super()._parse_returning()

        def _parse_overriding(self) -> None:
            if self._match_text_seq("OVERRIDING"):
                kind = self._curr.text.upper() if self._curr is not None else ""
                if kind not in ("SYSTEM", "USER") or not self._match_text_seq(kind, "VALUE"):
                    self.raise_error("Expected SYSTEM VALUE or USER VALUE after OVERRIDING")
                self._overriding = kind

        def _parse_merge(self) -> exp.Merge:
            # PostgreSQL 15's grammar (sqlglot also takes other dialects' MERGE: BY SOURCE,
            # INSERT *, UPDATE without SET, USING without ON, RETURNING, a bare VALUES source)
            if not self._match(TokenType.INTO):
                self._merge_syntax_error()
            target = self._parse_table()
            if not self._match(TokenType.USING):
                self._merge_syntax_error()
            if self._match(TokenType.VALUES):  # VALUES must stand in parentheses: the error is at what follows
                self._merge_syntax_error()
            using = self._parse_table()
            joins = []  # a joined table; not a comma-separated list
            while not self._match(TokenType.COMMA, advance=False) and (join := self._parse_join()):
                joins.append(join)
            if joins:
                using.set("joins", joins)
            # a CROSS or NATURAL join has no ON: sqlglot's join took MERGE's
            last = joins[-1] if joins else None
            if last is not None and (last.args.get("kind") == "CROSS" or last.args.get("method")) \
                    and last.args.get("on") is not None:
                on = last.args["on"].pop()
            elif self._match(TokenType.ON):
                on = self._parse_disjunction()
            else:
                self._merge_syntax_error()
            whens = []
            while self._match(TokenType.WHEN):
                whens.append(self._parse_merge_when())
            if not whens:
                self._merge_syntax_error()
            return self.expression(exp.Merge(this=target, using=using, on=on, whens=exp.Whens(expressions=whens)))

        def _merge_syntax_error(self) -> None:
            self.raise_error("Unexpected token")

        def _parse_merge_when(self) -> exp.When:
            matched = not self._match(TokenType.NOT)
            if not self._match_text_seq("MATCHED"):
                self._merge_syntax_error()
            condition = None
            if self._match(TokenType.AND) and (condition := self._parse_disjunction()) is None:
                self._merge_syntax_error()
            if not self._match(TokenType.THEN):
                self._merge_syntax_error()
            then: exp.Expression
            if self._match_text_seq("DO", "NOTHING"):
                then = exp.var("DO NOTHING")
            elif matched and self._match(TokenType.DELETE):
                then = exp.var("DELETE")
            elif matched and self._match(TokenType.UPDATE) and self._match(TokenType.SET):
                then = exp.Update(expressions=[self._merge_assignment()])
                while self._match(TokenType.COMMA):
                    then.append("expressions", self._merge_assignment())
            elif not matched and self._match(TokenType.INSERT):
                then = self._parse_merge_insert()
            else:
                self._merge_syntax_error()
            return self.expression(exp.When(matched=matched, condition=condition, then=then))

        def _merge_assignment(self) -> exp.Expression:
            assignment = self._parse_update_assignment()
            if not isinstance(assignment, exp.EQ):  # (sqlglot's csv would skip a missing one)
                self._merge_syntax_error()
            return assignment

        def _parse_merge_insert(self) -> exp.Insert:
            """INSERT [(columns)] [OVERRIDING ... VALUE] VALUES (...) | INSERT DEFAULT VALUES."""
            if self._match_text_seq("DEFAULT", "VALUES"):
                return exp.Insert(default=True)
            columns = self._parse_wrapped_id_vars() if self._match(TokenType.L_PAREN, advance=False) else None
            self._overriding = None
            self._parse_overriding()
            if not self._match(TokenType.VALUES) or not self._match(TokenType.L_PAREN, advance=False):
                self._merge_syntax_error()
            return exp.Insert(this=exp.Schema(expressions=columns) if columns is not None else None,
                              expression=self._parse_value(), overriding=self._overriding)

        def _parse_on_property(self) -> exp.Expression | None:
            # CREATE TEMP TABLE ... ON COMMIT DROP (sqlglot reads only PRESERVE/DELETE ROWS)
            if self._match_text_seq("COMMIT", "DROP"):
                return self.expression(OnCommitDrop())
            return super()._parse_on_property()

        def parse_set_operation(self, this: exp.Expression, **kwargs) -> exp.Expression | None:
            # UNION [ALL] BY NAME / CORRESPONDING and join-style set operations are other
            # dialects' grammar: PostgreSQL reports a syntax error at their first word
            index = self._index
            setop = super().parse_set_operation(this, **kwargs)
            foreign = ("by_name", "on", "side", "kind")
            if isinstance(setop, exp.SetOperation) and any(setop.args.get(k) for k in foreign):
                self._retreat(index)
                while self._curr is not None and self._curr.token_type in (
                        TokenType.UNION, TokenType.INTERSECT, TokenType.EXCEPT, TokenType.ALL, TokenType.DISTINCT):
                    self._advance()
                word = self._curr.text if self._curr is not None else ""
                raise SqlSyntaxError(f'syntax error at or near "{word}"')
            return setop

        def _parse_is_rhs(self, distinct: bool = False) -> exp.Expression | None:
            # keep `IS [NOT] UNKNOWN` apart from IS NULL: it only accepts booleans
            if not distinct and self._match(TokenType.UNKNOWN):
                return exp.Var(this="UNKNOWN")
            return super()._parse_is_rhs(distinct)


def _names_after_dots(tokens: list[Token], names: set) -> list[Token]:
    """After a dot PostgreSQL's grammar takes any keyword as a name (attr_name is a ColLabel:
    `s.only`, `t.select`); sqlglot reads its keywords as keywords there too. The words it takes
    as names already (type names among them) stay as they are; a function sqlglot finds by its
    name's text either way."""
    for i in range(1, len(tokens)):
        tok = tokens[i]
        if tokens[i - 1].token_type == TokenType.DOT and tok.token_type not in names and \
                tok.token_type not in _NAME_TOKENS and _WORD.fullmatch(tok.text):
            tok.token_type = TokenType.VAR
    return tokens


def _view_check_option(tokens: list[Token]) -> tuple[list[Token], str]:
    """CREATE VIEW's trailing `WITH [CASCADED | LOCAL] CHECK OPTION`, which sqlglot does not
    know: the tokens without it, and "cascaded" (the default) or "local"."""
    words = [t.text.upper() for t in tokens]
    end = len(words) - (1 if words and words[-1] == ";" else 0)
    if not words or words[0] != "CREATE" or "VIEW" not in words or words[end - 2:end] != ["CHECK", "OPTION"]:
        return tokens, ""
    level = words[end - 3] if words[end - 3] in ("CASCADED", "LOCAL") else ""
    start = end - 3 - bool(level)
    if words[start] != "WITH":
        return tokens, ""
    return tokens[:start] + tokens[end:], (level or "CASCADED").lower()


def _nulls_distinct(tokens: list[Token]) -> tuple[list[Token], bool]:
    """`NULLS [NOT] DISTINCT`, which sqlglot reads only as a constraint's UNIQUE NULLS NOT
    DISTINCT: CREATE INDEX's after its key list taken out (and whether it said NOT DISTINCT),
    and UNIQUE NULLS DISTINCT's, the default, left out."""
    words = [t.text.upper() for t in tokens]
    index = words[:1] == ["CREATE"] and "INDEX" in words[:4]
    out, not_distinct, depth, i = [], False, 0, 0
    while i < len(tokens):
        depth += (tokens[i].token_type == TokenType.L_PAREN) - (tokens[i].token_type == TokenType.R_PAREN)
        if words[i:i + 2] == ["NULLS", "DISTINCT"] and (index and depth == 0 or i and words[i - 1] == "UNIQUE"):
            i += 2
        elif index and depth == 0 and words[i:i + 3] == ["NULLS", "NOT", "DISTINCT"]:
            not_distinct, i = True, i + 3
        else:
            out.append(tokens[i])
            i += 1
    return out, not_distinct


def _normalize(node: exp.Expression) -> exp.Expression:
    """What PostgreSQL's lexer and grammar would have produced: unquoted identifiers folded to
    lower case (sqlglot keeps them as written), array subscripts kept 1-based."""
    for ident in node.find_all(exp.Identifier):
        if not ident.quoted and isinstance(ident.this, str):
            ident.set("this", ident.this.lower())
    for bracket in node.find_all(exp.Bracket):
        bracket.set("offset", 1)
    return node


def parse_sql(text: str, *, positions: bool = False, at: int = 0) -> exp.Expression:
    """Parse one statement with sqlglot's PostgreSQL dialect. `positions`: the text is the
    client's, beginning at offset `at` of the text errors point into (a statement's query after
    EXPLAIN, a Parse message's after blanks), so the nodes keep where they stand there; stored
    texts (views, defaults) drop them, as they would point into the client's statement."""
    prepared, rewrites = _prepare(text)
    try:
        statements = sqlglot.parse(prepared, read=_PostgresAsWritten)
    except (ParseError, TokenError) as e:
        error = _syntax_error(prepared, e)
        if error.position is not None:
            error.position = _in_original(error.position - 1, rewrites) + 1 + at
        raise error from None
    statements = [s for s in statements if s is not None]
    if len(statements) != 1:
        raise SqlSyntaxError("cannot insert multiple commands into a prepared statement")
    node = statements[0]
    if not positions:
        return _select_into(_normalize(_drop_positions(node)))
    node = _select_into(_normalize(node))
    if at or rewrites:
        for sub in node.walk():
            if sub._meta and "start" in sub._meta:
                sub._meta["start"] = _in_original(sub._meta["start"], rewrites) + at
                sub._meta["end"] = _in_original(sub._meta["end"], rewrites) + at
    node.meta[TEXT_KEY] = " " * at + text  # where errors find operators (sql/positions.py)
    return node


def _drop_positions(node: exp.Expression) -> exp.Expression:
    for sub in node.walk():
        if sub._meta:
            for key in ("line", "col", "start", "end"):
                sub._meta.pop(key, None)
    return node


def _select_into(node: exp.Expression) -> exp.Expression:
    """SELECT ... INTO [TEMP] t FROM ...: PostgreSQL's older spelling of CREATE TABLE t AS SELECT."""
    into = node.args.get("into") if isinstance(node, exp.Select) else None
    if into is None:
        return node
    node.set("into", None)
    properties = [exp.TemporaryProperty()] if into.args.get("temporary") else []
    return exp.Create(this=into.this, kind="TABLE", expression=node,
                      properties=exp.Properties(expressions=properties) if properties else None)


def parse_expression(text: str) -> exp.Expression:
    """Parse a stand-alone expression (a stored column DEFAULT or CHECK)."""
    try:
        return _normalize(_drop_positions(sqlglot.parse_one(_prepare(text)[0], read=_PostgresAsWritten,
                                                            into=exp.Condition)))
    except (ParseError, TokenError) as e:
        raise _syntax_error(text, e) from None


def to_sql(node: exp.Expression) -> str:
    """Render an AST back to PostgreSQL text (stored defaults, view definitions)."""
    return node.sql(dialect=_PostgresOut)


# A rewrite of the text before sqlglot reads it: (start, end) in the rewritten text, (start, end)
# in the text before, for each replaced piece, in order; for positions in the client's text.
Rewrites = list[tuple[int, int, int, int]]


def _prepare(text: str) -> tuple[str, list[Rewrites]]:
    """The text sqlglot is given, and the rewrites that made it (see _in_original)."""
    quoted, first = _replace(text, _quotes_as_plain_strings(text))
    casts = [(m.start(), m.end(), "::_" + m.group(2).strip('"').lower()) for m in _ARRAY_CAST.finditer(quoted)]
    prepared, second = _replace(quoted, casts)
    return prepared, [r for r in (second, first) if r]


def _replace(text: str, pieces: list[tuple[int, int, str]]) -> tuple[str, Rewrites]:
    """`text` with each (start, end, replacement) piece replaced (in order, not overlapping)."""
    if not pieces:
        return text, []
    out, rewrites, cursor, length = [], [], 0, 0
    for start, end, replacement in pieces:
        out += [text[cursor:start], replacement]
        length += start - cursor
        rewrites.append((length, length + len(replacement), start, end))
        length += len(replacement)
        cursor = end
    out.append(text[cursor:])
    return "".join(out), rewrites


def _in_original(offset: int, rewrites: list[Rewrites]) -> int:
    """The 0-based offset in the client's text of `offset` in the rewritten one: a replaced piece
    maps to where it began, text after it shifts by what the replacement changed."""
    for steps in rewrites:  # the last rewrite first
        shift = 0
        for new_start, new_end, old_start, old_end in steps:
            if offset < new_start:
                break
            if offset < new_end:
                shift = old_start - offset
                break
            shift = old_end - new_end
        offset += shift
    return offset


def _quotes_as_plain_strings(text: str) -> list[tuple[int, int, str]]:
    """$tag$...$tag$ and E'...' to rewrite as ordinary quoted strings holding the lexer's value:
    sqlglot does not accept dollar quotes everywhere a string may stand (DATE $$2020-01-01$$),
    and decodes E'' escapes its own way (byte escapes are UTF-8 bytes, checked as such)."""
    if "$" not in text and not _E_STRING.search(text):
        return []
    return [(tok.pos, tok.end, "'" + tok.value.replace("'", "''") + "'")
            for tok in tokenize(text) if tok.kind == "string" and text[tok.pos] in "$eE"]


def _syntax_error(text: str, error: Exception) -> SqlSyntaxError:
    near, position = None, None
    details = getattr(error, "errors", None) or []
    if details:
        d = details[0]
        line, col = d.get("line"), d.get("col")
        near = d.get("highlight") or None
        if line and col:
            lines = text.split("\n")
            position = sum(len(x) + 1 for x in lines[: line - 1]) + max(col - len(near or "") + 1, 1)
    if near:
        return SqlSyntaxError(f'syntax error at or near "{near}"', position=position)
    return SqlSyntaxError("syntax error at end of input", position=len(text) + 1)
