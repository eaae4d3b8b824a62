"""Reading statements token by token: the hand-written parsers of sql/ (utility statements,
ALTER) share this cursor over the lexer's tokens."""

from __future__ import annotations

from quantadb.errors import SyntaxError as SqlSyntaxError
from quantadb.sql.lexer import Token, tokenize


class TokenReader:
    """A cursor over a statement's lexer tokens, with PostgreSQL-style syntax errors."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def at_end(self) -> bool:
        return self.i >= len(self.toks)

    def next(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise SqlSyntaxError("syntax error at end of input", position=len(self.text) + 1)
        self.i += 1
        return tok

    def word(self, *words: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.is_word(*words):
            self.i += 1
            return True
        return False

    def words(self, *seq: str) -> bool:
        for k, w in enumerate(seq):
            tok = self.peek(k)
            if tok is None or not tok.is_word(w):
                return False
        self.i += len(seq)
        return True

    def expect(self, *words: str) -> None:
        tok = self.peek()
        if not self.word(*words):
            self.fail(tok)

    def op(self, value: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.value == value:
            self.i += 1
            return True
        return False

    def name(self) -> str:
        tok = self.next()
        if tok.kind not in ("ident", "qident"):
            self.fail(tok)
        return tok.value

    def string(self) -> str:
        """A string literal's value."""
        tok = self.next()
        if tok.kind != "string":
            self.fail(tok)
        return tok.value

    def qualified_name(self) -> list[str]:
        parts = [self.name()]
        while self.op("."):
            parts.append(self.name())
        return parts

    def rest(self) -> str:
        tok = self.peek()
        return "" if tok is None else self.text[tok.pos:].strip()

    def fail(self, tok: Token | None) -> None:
        if tok is None:
            raise SqlSyntaxError("syntax error at end of input", position=len(self.text) + 1)
        raise SqlSyntaxError(f'syntax error at or near "{self._as_written(tok)}"', position=tok.pos + 1)

    def _as_written(self, tok: Token) -> str:
        """The token's text as the statement has it (a literal with its quotes), as PostgreSQL's
        syntax errors show it."""
        if tok.end >= 0:
            return self.text[tok.pos:tok.end]
        if tok.kind in ("ident", "op", "param", ";"):
            return self.text[tok.pos:tok.pos + len(tok.value)]
        return self.text[tok.pos:].split(None, 1)[0]

    def done(self) -> None:
        if not self.at_end():
            self.fail(self.peek())

    def finish(self) -> None:
        """The end of the statement, after an optional semicolon."""
        tok = self.peek()
        if tok is not None and tok.kind == ";":
            self.i += 1
        self.done()

    def clause(self, *stops: str) -> str:
        """Consume and return the text up to the next top-level comma, one of the words `stops`,
        a semicolon or the end (an expression, a type, a column definition)."""
        first = self.peek()
        if first is None:
            self.fail(None)
        depth, end = 0, first.pos
        while (tok := self.peek()) is not None:
            if tok.kind == ";" or depth == 0 and (tok.kind == "op" and tok.value == "," or tok.is_word(*stops)):
                break
            if tok.kind == "op" and tok.value in ("(", "["):
                depth += 1
            elif tok.kind == "op" and tok.value in (")", "]"):
                depth -= 1
            self.i += 1
            following = self.peek()
            end = following.pos if following is not None else len(self.text)
        return self.text[first.pos:end].strip()

    def integer(self) -> int:
        sign = -1 if self.op("-") else 1
        if sign == 1:
            self.op("+")
        tok = self.next()
        if tok.kind != "number" or not tok.value.isdigit():
            self.fail(tok)
        return sign * int(tok.value)
