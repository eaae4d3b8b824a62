"""EXPLAIN's output formats, as PostgreSQL 15's explain.c writes them: TEXT (one line per node and
per property, `->` under the parent), and JSON, YAML and XML with its key names and layout.

A node's properties are first put in PostgreSQL's order as (key, value) pairs (`node_properties`):
a value is a string, a `Num` (printed bare), a bool, a list of strings, a list of objects (`Plans`) or
a plan (`Plan`). Each format then prints those pairs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from quantadb.sql.explain_options import ExplainOptions
from quantadb.sql.explain_tree import ExplainNode

_BEFORE_RELATIONSHIP = ("Strategy", "Partial Mode", "Operation")  # explain.c prints them before it
_NOT_IN_TEXT = ("Inner Unique",)
_CHILD_ORDER = {"InitPlan": 0, "SubPlan": 2}
_XML_MEMBERS = {"Plans": "Plan", "Grouping Sets": "Grouping-Set"}  # the tag of each object of a list


class Num(str):
    """A number already formatted as explain.c formats it (costs %.2f, times %.3f, rows %.0f)."""


@dataclass
class Counters:
    """What EXPLAIN ANALYZE measured: `stats` maps id(plan node) to its NodeStats (exec/instrument.py)."""

    stats: dict[int, Any]
    execution_ms: float = 0.0


def _children(node: ExplainNode) -> list[ExplainNode]:
    return sorted(node.children, key=lambda c: _CHILD_ORDER.get(c.relationship, 1))


def _actual(node: ExplainNode, counters: Counters | None):
    stats = counters.stats.get(id(node.counted)) if counters is not None and node.counted is not None else None
    return stats if stats is not None and stats.loops else None


def _removed_by_filter(node: ExplainNode, counters: Counters) -> tuple[int, int] | None:
    """(rows the filter removed in all loops, loops): from the scan's count, or the rows of the
    input a folded Filter node had less its own."""
    if node.filtered is None:
        return None
    below, above = node.filtered
    stats = counters.stats.get(id(below))
    if stats is None or not stats.loops:
        return None
    if above is None:
        return stats.removed_by_filter, stats.loops
    out = counters.stats.get(id(above))
    return stats.rows - (out.rows if out is not None else 0), stats.loops


def node_properties(node: ExplainNode, opts: ExplainOptions, counters: Counters | None) -> list[tuple[str, Any]]:
    props: list[tuple[str, Any]] = [("Node Type", node.node_type)]
    props += [(k, v) for k, v in node.head if k in _BEFORE_RELATIONSHIP]
    if node.relationship:
        props.append(("Parent Relationship", node.relationship))
    if node.subplan_name:
        props.append(("Subplan Name", node.subplan_name))
    props += [("Parallel Aware", False), ("Async Capable", False)]
    props += [(k, v) for k, v in node.head if k not in _BEFORE_RELATIONSHIP]
    if opts.costs:
        props += [("Startup Cost", Num(f"{node.cost.startup:.2f}")), ("Total Cost", Num(f"{node.cost.total:.2f}")),
                  ("Plan Rows", Num(f"{node.rows:.0f}")), ("Plan Width", Num(str(node.width)))]
    if opts.analyze:
        stats = _actual(node, counters)
        loops = stats.loops if stats else 0
        if opts.timing:
            props += [("Actual Startup Time", Num(f"{stats.startup_ms / loops if stats else 0:.3f}")),
                      ("Actual Total Time", Num(f"{stats.total_ms / loops if stats else 0:.3f}"))]
        props += [("Actual Rows", Num(f"{stats.rows / loops if stats else 0:.0f}")), ("Actual Loops", Num(str(loops)))]
    if opts.verbose and node.output is not None:
        props.append(("Output", list(node.output)))
    for key, value in node.details:
        props.append((key, value))
        if key == "Filter" and opts.analyze and counters is not None:
            removed = _removed_by_filter(node, counters)
            if removed is not None:
                props.append(("Rows Removed by Filter", Num(f"{removed[0] / removed[1]:.0f}")))
    children = _children(node)
    if children:
        props.append(("Plans", [node_properties(c, opts, counters) for c in children]))
    return props


def query_properties(root: ExplainNode, opts: ExplainOptions, counters: Counters | None,
                     planning_ms: float) -> list[tuple[str, Any]]:
    """The whole output: the plan, then the summary (Planning Time, Triggers, Execution Time)."""
    props: list[tuple[str, Any]] = [("Plan", node_properties(root, opts, counters))]
    if opts.summary:
        props.append(("Planning Time", Num(f"{planning_ms:.3f}")))
    if opts.analyze:
        props.append(("Triggers", []))
    if opts.summary and opts.analyze and counters is not None:
        props.append(("Execution Time", Num(f"{counters.execution_ms:.3f}")))
    return props


# -- TEXT -----------------------------------------------------------------------------------------------

def text_lines(root: ExplainNode, opts: ExplainOptions, counters: Counters | None, planning_ms: float) -> list[str]:
    lines: list[str] = []
    _text_node(root, opts, counters, lines, 0, 0)
    if opts.summary:
        lines.append(f"Planning Time: {planning_ms:.3f} ms")
    if opts.summary and opts.analyze and counters is not None:
        lines.append(f"Execution Time: {counters.execution_ms:.3f} ms")
    return lines


def _text_node(node: ExplainNode, opts: ExplainOptions, counters: Counters | None, lines: list[str],
               arrow_at: int, depth: int) -> None:
    """One node: its line (with `->` at column `arrow_at` below the top), then its properties and
    children six columns further in, a subplan's name two columns before its `->`."""
    line = node.name + node.target
    if opts.costs:
        line += f"  (cost={node.cost.startup:.2f}..{node.cost.total:.2f} rows={node.rows:.0f} width={node.width})"
    if opts.analyze:
        stats = _actual(node, counters)
        if stats is None:
            line += " (never executed)"
        elif opts.timing:
            line += (f" (actual time={stats.startup_ms / stats.loops:.3f}..{stats.total_ms / stats.loops:.3f}"
                     f" rows={stats.rows / stats.loops:.0f} loops={stats.loops})")
        else:
            line += f" (actual rows={stats.rows / stats.loops:.0f} loops={stats.loops})"
    lines.append(line if depth == 0 else " " * arrow_at + "->  " + line)
    inner = 2 if depth == 0 else arrow_at + 6
    pad = " " * inner
    if opts.verbose and node.output is not None:
        lines.append(f"{pad}Output: {', '.join(node.output)}")
    for key, value in node.details:
        if key in _NOT_IN_TEXT:
            continue
        if key == "Grouping Sets":  # one line per set: "Hash Key: a", "Group Key: ()"
            lines += [f"{pad}{kind[:-1]}: {', '.join(keys) or '()'}" for [(kind, keys)] in value]
            continue
        lines.append(f"{pad}{key}: {', '.join(value) if isinstance(value, list) else _text_value(value)}")
        removed = _removed_by_filter(node, counters) if key == "Filter" and opts.analyze and counters else None
        if removed is not None and removed[0]:  # (in text only when some were)
            lines.append(f"{pad}Rows Removed by Filter: {removed[0] / removed[1]:.0f}")
    for child in _children(node):
        if child.subplan_name:
            lines.append(f"{pad}{child.subplan_name}")
            _text_node(child, opts, counters, lines, inner + 2, depth + 1)
        else:
            _text_node(child, opts, counters, lines, inner, depth + 1)


def _text_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- JSON -----------------------------------------------------------------------------------------------

def json_text(props: list[tuple[str, Any]]) -> str:
    return "[\n" + _json_object(props, 1) + "\n]"


def _json_object(props: list[tuple[str, Any]], level: int) -> str:
    pad = "  " * (level + 1)
    members = [f"{pad}{json.dumps(k)}: {_json_value(v, level + 1)}" for k, v in props]
    return "  " * level + "{\n" + ",\n".join(members) + "\n" + "  " * level + "}"


def _json_value(value: Any, level: int) -> str:
    if isinstance(value, Num):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and value and isinstance(value[0], list):  # objects: Plans, Grouping Sets
        return "[\n" + ",\n".join(_json_object(p, level + 1) for p in value) + "\n" + "  " * level + "]"
    if isinstance(value, list) and value and isinstance(value[0], tuple):  # Plan
        return _json_object(value, level).lstrip()
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(v) for v in value) + "]"
    return json.dumps(value)


# -- YAML -----------------------------------------------------------------------------------------------

def yaml_text(props: list[tuple[str, Any]]) -> str:
    lines: list[str] = []
    _yaml_object(props, 2, "- ", lines)
    return "\n".join(lines)


def _yaml_object(props: list[tuple[str, Any]], indent: int, first_prefix: str, lines: list[str]) -> None:
    """`first_prefix` ("- ") starts the first key of a list item; the others line up after it."""
    for i, (key, value) in enumerate(props):
        lead = first_prefix if i == 0 else " " * indent
        if isinstance(value, list) and value and isinstance(value[0], list):  # objects: Plans, Grouping Sets
            lines.append(f"{lead}{key}: ")
            for plan in value:
                _yaml_object(plan, indent + 4, " " * (indent + 2) + "- ", lines)
        elif isinstance(value, list) and value and isinstance(value[0], tuple):  # Plan
            lines.append(f"{lead}{key}: ")
            _yaml_object(value, indent + 2, " " * (indent + 2), lines)
        elif isinstance(value, list):
            lines.append(f"{lead}{key}: ")
            lines.extend(" " * (indent + 2) + "- " + json.dumps(v) for v in value)
        else:
            lines.append(f"{lead}{key}: {_yaml_scalar(value)}")


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, Num):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


# -- XML ------------------------------------------------------------------------------------------------

def xml_text(props: list[tuple[str, Any]]) -> str:
    lines = ['<explain xmlns="http://www.postgresql.org/2009/explain">', "  <Query>"]
    _xml_object(props, 2, lines)
    lines += ["  </Query>", "</explain>"]
    return "\n".join(lines)


def _xml_object(props: list[tuple[str, Any]], level: int, lines: list[str]) -> None:
    pad = "  " * level
    for key, value in props:
        tag = key.replace(" ", "-")
        if isinstance(value, list) and value and isinstance(value[0], list):  # objects: Plans, Grouping Sets
            lines.append(f"{pad}<{tag}>")
            member = _XML_MEMBERS[key]
            for plan in value:
                lines.append(f"{pad}  <{member}>")
                _xml_object(plan, level + 2, lines)
                lines.append(f"{pad}  </{member}>")
            lines.append(f"{pad}</{tag}>")
        elif isinstance(value, list) and value and isinstance(value[0], tuple):  # Plan
            lines.append(f"{pad}<{tag}>")
            _xml_object(value, level + 1, lines)
            lines.append(f"{pad}</{tag}>")
        elif isinstance(value, list):
            lines.append(f"{pad}<{tag}>")
            lines.extend(f"{pad}  <Item>{_xml_escape(v)}</Item>" for v in value)
            lines.append(f"{pad}</{tag}>")
        else:
            text = ("true" if value else "false") if isinstance(value, bool) else _xml_escape(str(value))
            lines.append(f"{pad}<{tag}>{text}</{tag}>")


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
