"""How sqlglot's node classes map back to PostgreSQL's operators and functions.

sqlglot parses many PostgreSQL calls into classes of its own (TimestampTrunc for date_trunc,
StrPosition for strpos, ...), sometimes with the arguments reordered or a pattern rewritten
(to_char's 'YYYY' becomes strftime's '%Y'). The binder resolves operators and functions by
PostgreSQL's names, so these tables give them back.
"""

from __future__ import annotations

from typing import Callable

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.time import format_time

BINARY_OPS: dict[type, str] = {
    exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%", exp.Pow: "^",
    exp.EQ: "=", exp.NEQ: "<>", exp.LT: "<", exp.LTE: "<=", exp.GT: ">", exp.GTE: ">=",
    exp.DPipe: "||", exp.BitwiseAnd: "&", exp.BitwiseOr: "|", exp.BitwiseXor: "#",
    exp.BitwiseLeftShift: "<<", exp.BitwiseRightShift: ">>", exp.Like: "~~", exp.ILike: "~~*",
    exp.RegexpLike: "~", exp.RegexpILike: "~*", exp.JSONBContains: "@>", exp.ArrayContainsAll: "@>",
    exp.ArrayContainedBy if hasattr(exp, "ArrayContainedBy") else exp.ArrayContainsAll: "<@",
    exp.ArrayOverlaps: "&&", exp.JSONBContainsTopKey if hasattr(exp, "JSONBContainsTopKey") else exp.DPipe: "?",
    exp.JSONBExtractScalar: "#>>", exp.JSONBExtract: "#>", exp.SimilarTo: "similar to",
    exp.ExtendsLeft: "&<", exp.ExtendsRight: "&>", exp.Adjacent: "-|-",  # range operators
}
# collations that exist in every PostgreSQL database (quoted names are case-sensitive)
NEGATED_OPS = {"~~": "!~~", "~~*": "!~~*", "~": "!~", "~*": "!~*"}

# sqlglot function classes whose PostgreSQL name and argument order differ from the generic rule.
FUNCTION_SHAPES: dict[type, Callable[[exp.Expression], tuple[str, list]]] = {
    exp.TimestampTrunc: lambda e: ("date_trunc", [exp.Literal.string(e.args["unit"].name.lower()), e.this]),
    exp.DateTrunc: lambda e: ("date_trunc", [exp.Literal.string(e.args["unit"].name.lower()), e.this]),
    exp.TimeToStr: lambda e: ("to_char", [e.this, pg_format(e.args["format"])]),
    exp.StrPosition: lambda e: ("strpos", [e.this, e.args["substr"]]),
    exp.Extract: lambda e: ("extract", [exp.Literal.string(e.this.name.lower()), e.expression]),
    exp.Substring: lambda e: ("substring", [e.this, e.args.get("start") or exp.Literal.number(1),
                                             *([e.args["length"]] if e.args.get("length") else [])]),
    exp.Explode: lambda e: ("unnest", [e.this, *e.expressions]),
    exp.ExplodingGenerateSeries: lambda e: ("generate_series", [e.args["start"], e.args["end"],
                                                                 *([e.args["step"]] if e.args.get("step") else [])]),
    exp.GenerateSeries: lambda e: ("generate_series", [e.args["start"], e.args["end"],
                                                        *([e.args["step"]] if e.args.get("step") else [])]),
    exp.LogicalAnd: lambda e: ("bool_and", [e.this]),
    exp.LogicalOr: lambda e: ("bool_or", [e.this]),
    exp.ArrayAgg: lambda e: ("array_agg", [e.this]),
    exp.GroupConcat: lambda e: ("string_agg", [e.this, e.args.get("separator") or exp.Literal.string(",")]),
    exp.Pad: lambda e: ("lpad" if e.args.get("is_left") else "rpad",
                        [e.this, e.expression, *([e.args["fill_pattern"]] if e.args.get("fill_pattern") else [])]),
    exp.Trim: lambda e: ({"LEADING": "ltrim", "TRAILING": "rtrim"}.get(str(e.args.get("position") or "").upper(), "btrim"),
                         [e.this, *([e.expression] if e.expression else [])]),
    exp.CurrentTimestamp: lambda e: ("current_timestamp", []),
    exp.CurrentVersion: lambda e: ("version", []),
    exp.CurrentDate: lambda e: ("current_date", []),
    exp.CurrentTime: lambda e: ("current_time", []),
    exp.Localtimestamp: lambda e: ("localtimestamp", []),
    exp.CurrentUser: lambda e: ("current_user", []),
    exp.SessionUser: lambda e: ("session_user", []),
    exp.CurrentSchema: lambda e: ("current_schema", []),
    exp.CurrentCatalog: lambda e: ("current_database", []),
    exp.Stddev: lambda e: ("stddev", [e.this]),
    exp.StddevSamp: lambda e: ("stddev_samp", [e.this]),
    exp.StddevPop: lambda e: ("stddev_pop", [e.this]),
    exp.Variance: lambda e: ("variance", [e.this]),
    exp.VariancePop: lambda e: ("var_pop", [e.this]),
    exp.Log: lambda e: ("log", [e.this, *([e.expression] if e.expression else [])]),
    exp.Max: lambda e: ("max", [e.this]),
    exp.Min: lambda e: ("min", [e.this]),
    exp.RegexpReplace: lambda e: ("regexp_replace", [e.this, e.expression, e.args["replacement"],
                                                      *(e.args[k] for k in ("position", "occurrence", "modifiers")
                                                        if e.args.get(k))]),
    exp.ToChar if hasattr(exp, "ToChar") else exp.TimeToStr: lambda e: ("to_char", [e.this, e.args.get("format")]),
    exp.StrToTime: lambda e: ("to_timestamp", [e.this, pg_format(e.args["format"])]),
    exp.StrToDate: lambda e: ("to_date", [e.this, pg_format(e.args["format"])]),
    exp.UnixToTime: lambda e: ("to_timestamp", [e.this]),
    exp.ArraySize: lambda e: ("array_length", [e.this, *([e.expression] if e.expression else [])]),
    exp.Levenshtein: lambda e: ("levenshtein", [e.this, e.expression]),
    exp.JSONExtract: lambda e: ("->", [e.this, e.expression]),
    exp.JSONExtractScalar: lambda e: ("->>", [e.this, e.expression]),
}


def pg_format(node: exp.Expression) -> exp.Expression:
    """sqlglot rewrites to_char/to_date patterns as strftime ('%Y'); give PostgreSQL's back ('YYYY')."""
    if isinstance(node, exp.Literal) and node.is_string:
        return exp.Literal.string(format_time(node.name, Postgres.INVERSE_TIME_MAPPING, Postgres.INVERSE_TIME_TRIE))
    return node


def json_path_arg(node: exp.Expression) -> exp.Expression:
    """`a -> 'k'` arrives as a JSONPath; turn it back into the literal key or index."""
    if isinstance(node, exp.JSONPath):
        parts = [p for p in node.expressions if not isinstance(p, exp.JSONPathRoot)]
        if len(parts) == 1:
            p = parts[0]
            if isinstance(p, exp.JSONPathSubscript):
                return exp.Literal.number(p.this)
            return exp.Literal.string(str(p.this))
    return node


def function_args(node: exp.Expression) -> list:
    """A sqlglot function node's arguments in declaration order (lists flattened)."""
    out = []
    for key in node.arg_types:
        value = node.args.get(key)
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, list):
            out.extend(value)
        elif isinstance(value, exp.Expression):
            out.append(value)
    return out
