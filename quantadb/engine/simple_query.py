"""The simple protocol's Query, as the Session's mixin: its text split into statements, each run
through a portal; a statement whose literals autoparam.py can take out runs as a template with
parameters, planned once per catalog and settings version (PostgreSQL plans every simple query;
this plan cache is what makes pgbench -S simple cheap), unless its literals may choose a better
plan (a partial index) or the template does not bind (then the text runs as written and reports
its own errors).
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from quantadb.engine import statements as S
from quantadb.engine.autoparam import KnownStatement, Template, parameterize, single_template
from quantadb.engine.prepared import Portal, Prepared
from quantadb.engine.results import Result
from quantadb.errors import SqlError
from quantadb.sql.lexer import split_statements
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.engine.session import Session

_TEXT = [0]  # the format list of text parameters
_MAX_TEMPLATES = 256
# template text -> (its statement, (catalog version, settings version) it bound under)
TemplateCache = dict[str, tuple[Prepared, tuple[int, int]]]


class SimpleQuery:
    def split(self: "Session", sql: str) -> list[S.Statement | KnownStatement]:
        known = single_template(sql)  # a query shape seen before: no lexing (autoparam.py)
        if known is not None:
            return [known]  # its Statement is made only if the template does not bind
        statements = []
        for text, offset in split_statements(sql):
            statements.append(S.Statement(text))
            statements[-1].offset = offset
        # several statements run as an implicit transaction block (DECLARE may stand in one)
        self.state.implicit_block = len(statements) > 1
        return statements

    def end_query(self: "Session", failed: bool) -> Future | None:
        self.state.implicit_block = False
        return self._end_implicit(failed)

    def run(self: "Session", stmt: S.Statement | KnownStatement, *, inline: bool) -> Result:
        self.query_text = stmt.text  # as written: its portal may run a parameterized template
        try:
            return self._execute(self._simple_portal(stmt), 0, inline)
        except SqlError as error:  # a position counts from the start of the Query message, as in PostgreSQL
            if error.position is not None and isinstance(stmt, S.Statement):
                error.position += stmt.offset
            raise

    def as_written(self: "Session") -> Portal:
        """A portal for the running statement's text as written, not parameterized: it reports an
        error in one of its literals where the literal stands."""
        stmt = S.Statement(self.query_text, plain=True)
        return Portal(Prepared(stmt.text, stmt, []), [], [])

    def _simple_portal(self: "Session", stmt: S.Statement | KnownStatement) -> Portal:
        """A portal for a simple-protocol statement, parameterized when that is safe (autoparam.py)."""
        if isinstance(stmt, KnownStatement):
            template = stmt.template
        else:
            template = parameterize(stmt.text) if stmt.utility is None else None
        if template is not None and not self.state.failed:
            prepared = self._template_statement(template)
            if prepared is not None:
                return Portal(prepared, [], [], literals=template.literals)
        if isinstance(stmt, KnownStatement):
            stmt = S.Statement(stmt.text, plain=True)  # a known shape is never a utility statement
        return Portal(Prepared(stmt.text, stmt, []), [], [])

    def _template_statement(self: "Session", template: Template) -> Prepared | None:
        """The statement of an auto-parameterized template, or None when it does not bind (then the
        original text runs, and reports its errors). A template that bound before, with catalog
        and settings unchanged since, binds again: it is not bound twice (execution binds it too)."""
        catalog_version = self.store.catalog.version
        seen = self._templates.get(template.text)
        if seen is not None:
            prepared, versions = seen
            if versions == (catalog_version, self.settings.version) and prepared.param_types == template.types:
                return prepared
        plain = S.Statement(template.text, plain=True)
        try:
            self._ensure_txn()
            bound = S.bind(self, plain, list(template.types))
            # SELECT INTO (DDL) runs as written, and so does a query its literals may plan better
            if bound.plan is None or bound.prefers_custom_plan:
                return None
        except SqlError:
            return None
        prepared = Prepared(template.text, plain, list(template.types))
        if len(self._templates) >= _MAX_TEMPLATES:
            self._templates.clear()
        self._templates[template.text] = (prepared, (catalog_version, self.settings.version))
        return prepared

    def decode_literals(self: "Session", types: list[SqlType], literals: list[str]) -> list[Any]:
        return self._decode_params(types, _TEXT, literals)  # text decoders take str as well as bytes
