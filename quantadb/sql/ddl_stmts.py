"""DDL statements as data: what sql/bind_ddl.py makes of sqlglot's CREATE/ALTER/DROP/TRUNCATE
trees and engine/ddl/ executes against the catalog. Names are as written (a list of parts,
resolved by the engine against search_path); expressions (defaults, CHECK, view bodies) are
PostgreSQL SQL text, bound later in the context where they run."""

from __future__ import annotations

from dataclasses import dataclass, field

from quantadb.types.registry import SqlType

Name = tuple[str, ...]  # [catalog.][schema.]name as written


@dataclass(frozen=True)
class ConstraintSpec:
    kind: str  # p(rimary key) u(nique) c(heck) f(oreign key), as pg_constraint.contype
    name: str | None = None  # CONSTRAINT name, or None for PostgreSQL's generated name
    columns: tuple[str, ...] = ()  # key columns (p, u, f)
    check: str | None = None  # CHECK expression text
    check_columns: tuple[str, ...] = ()  # columns a CHECK names, for its generated name
    ref_table: Name = ()
    ref_columns: tuple[str, ...] = ()  # empty: the referenced table's primary key
    on_delete: str = "a"  # pg_constraint.confdeltype: a r c n d
    on_update: str = "a"
    not_valid: bool = False  # ALTER TABLE ADD ... NOT VALID: existing rows are not checked
    deferrable: bool = False  # DEFERRABLE (foreign keys only: engine/deferred.py)
    initially_deferred: bool = False
    nulls_not_distinct: bool = False  # UNIQUE NULLS NOT DISTINCT


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: SqlType
    not_null: bool = False
    default: str | None = None
    serial: bool = False  # serial/bigserial/smallserial: an owned sequence and its nextval default
    identity: str = ""  # pg_attribute.attidentity: "a" ALWAYS, "d" BY DEFAULT
    generated: str | None = None  # GENERATED ALWAYS AS (expression) STORED: the expression
    constraints: tuple[ConstraintSpec, ...] = ()  # column constraints, as table constraints on this column
    identity_options: SequenceSpec | None = None  # GENERATED ... AS IDENTITY (sequence options)


@dataclass(frozen=True)
class Persistence:
    """CREATE [TEMP] TABLE: a temporary table lives in its session's pg_temp schema."""

    temporary: bool = False
    on_commit: str = ""  # "", "delete" (DELETE ROWS) or "drop"; PRESERVE ROWS is ""


LIKE_OPTIONS = ("comments", "compression", "constraints", "defaults", "generated", "identity", "indexes",
                "statistics", "storage")


@dataclass(frozen=True)
class LikeSpec:
    """LIKE source [INCLUDING | EXCLUDING option ...] among CREATE TABLE's columns."""

    table: Name
    including: frozenset[str] = frozenset()  # of LIKE_OPTIONS
    position: int = 0  # how many of the statement's own columns come before it


@dataclass(frozen=True)
class CreateTable:
    name: Name
    columns: tuple[ColumnSpec, ...]
    constraints: tuple[ConstraintSpec, ...] = ()
    options: tuple[str, ...] = ()  # WITH (key=value, ...)
    if_not_exists: bool = False
    persistence: Persistence = Persistence()
    like: tuple[LikeSpec, ...] = ()


@dataclass(frozen=True)
class CreateTableAs:
    name: Name
    query: str
    column_names: tuple[str, ...] = ()
    if_not_exists: bool = False
    persistence: Persistence = Persistence()
    with_data: bool = True  # WITH NO DATA: the columns only


@dataclass(frozen=True)
class IndexElement:
    """One key of CREATE INDEX: a column, or an expression over the table's columns."""

    column: str | None = None
    expression: str | None = None  # SQL text
    collation: str | None = None  # COLLATE name (as PostgreSQL's lexer leaves it)
    opclass: str | None = None  # operator class name
    desc: bool | None = None  # None: no ASC or DESC written
    nulls_first: bool | None = None  # None: the direction's default (last ascending, first descending)


@dataclass(frozen=True)
class CreateIndex:
    name: str | None  # None: PostgreSQL's generated table_col_idx name
    table: Name
    elements: tuple[IndexElement, ...]
    unique: bool = False
    method: str = "btree"
    if_not_exists: bool = False
    include: tuple[str, ...] = ()  # INCLUDE (columns)
    where: str | None = None  # a partial index's predicate (SQL text)
    nulls_not_distinct: bool = False  # UNIQUE ... NULLS NOT DISTINCT: NULL keys equal each other


@dataclass(frozen=True)
class CreateView:
    name: Name
    query: str
    column_names: tuple[str, ...] = ()
    or_replace: bool = False
    options: tuple[str, ...] = ()  # WITH (...) and WITH CHECK OPTION (as check_option=...)


@dataclass(frozen=True)
class CreateMatView:
    name: Name
    query: str
    column_names: tuple[str, ...] = ()
    with_data: bool = True
    if_not_exists: bool = False


@dataclass(frozen=True)
class RefreshMatView:
    name: Name
    with_data: bool = True
    concurrently: bool = False


@dataclass(frozen=True)
class SequenceSpec:
    """Sequence options as written (CREATE/ALTER SEQUENCE, identity columns); None = not given."""

    data_type: SqlType | None = None  # AS smallint | integer | bigint
    increment: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    no_min: bool = False  # NO MINVALUE: back to the default
    no_max: bool = False
    start: int | None = None
    restart: bool = False  # RESTART [WITH restart_with]
    restart_with: int | None = None
    cache: int | None = None
    cycle: bool | None = None
    owned_by: Name | None = None  # table..., column; () for OWNED BY NONE
    name: Name = ()  # SEQUENCE NAME of an identity column


@dataclass(frozen=True)
class CreateSequence:
    name: Name
    spec: SequenceSpec = SequenceSpec()
    if_not_exists: bool = False


@dataclass(frozen=True)
class CreateSchema:
    name: str
    if_not_exists: bool = False
    owner: str | None = None  # AUTHORIZATION role


@dataclass(frozen=True)
class CreateExtension:
    name: str
    if_not_exists: bool = False


@dataclass(frozen=True)
class DropExtension:
    names: tuple[str, ...]
    if_exists: bool = False


@dataclass(frozen=True)
class CreateTrigger:
    name: str
    table: Name
    timing: str  # BEFORE | AFTER
    events: tuple[str, ...]  # INSERT UPDATE DELETE
    columns: tuple[str, ...]  # UPDATE OF
    row: bool
    when: str | None
    function: Name
    args: tuple[str, ...]
    replace: bool = False


@dataclass(frozen=True)
class DropTrigger:
    name: str
    table: Name
    if_exists: bool = False


@dataclass(frozen=True)
class DropObjects:
    kind: str  # TABLE VIEW MATERIALIZED VIEW INDEX SEQUENCE SCHEMA
    names: tuple[Name, ...]
    if_exists: bool = False
    cascade: bool = False


@dataclass(frozen=True)
class Truncate:
    tables: tuple[Name, ...]
    restart_identity: bool = False
    cascade: bool = False


# ALTER TABLE actions, applied in order.
@dataclass(frozen=True)
class AddColumn:
    column: ColumnSpec
    if_not_exists: bool = False


@dataclass(frozen=True)
class AddConstraint:
    constraint: ConstraintSpec


@dataclass(frozen=True)
class DropColumn:
    name: str
    if_exists: bool = False
    cascade: bool = False


@dataclass(frozen=True)
class ValidateConstraint:
    name: str


@dataclass(frozen=True)
class AlterConstraint:
    """ALTER CONSTRAINT name ...: a foreign key's deferral."""
    name: str
    deferrable: bool
    initially_deferred: bool


@dataclass(frozen=True)
class DropConstraint:
    name: str
    if_exists: bool = False


@dataclass(frozen=True)
class RenameColumn:
    old: str
    new: str


@dataclass(frozen=True)
class RenameRelation:
    new: str


@dataclass(frozen=True)
class SetColumnType:
    column: str
    type: SqlType
    using: str | None = None  # USING expression over the old values; default: a cast


@dataclass(frozen=True)
class SetColumnDefault:
    column: str
    default: str | None  # None: DROP DEFAULT


@dataclass(frozen=True)
class DropExpression:
    column: str
    if_exists: bool = False


@dataclass(frozen=True)
class SetColumnNotNull:
    column: str
    not_null: bool


@dataclass(frozen=True)
class AddIdentity:
    column: str
    always: bool
    sequence: SequenceSpec = SequenceSpec()


@dataclass(frozen=True)
class AlterIdentity:
    """ALTER COLUMN c SET GENERATED {ALWAYS | BY DEFAULT} | SET sequence_option | RESTART ..."""

    column: str
    always: bool | None = None  # None: unchanged
    sequence: SequenceSpec = SequenceSpec()


@dataclass(frozen=True)
class DropIdentity:
    column: str
    if_exists: bool = False


@dataclass(frozen=True)
class RenameConstraint:
    old: str
    new: str


@dataclass(frozen=True)
class SetOwner:
    role: str


@dataclass(frozen=True)
class SetSchema:
    schema: str


@dataclass(frozen=True)
class SetStorageOptions:
    """SET (key = value, ...) / RESET (key, ...): pg_class.reloptions."""

    set: tuple[str, ...] = ()  # "key=value"
    reset: tuple[str, ...] = ()


@dataclass(frozen=True)
class AlterSequenceOptions:
    spec: SequenceSpec


@dataclass(frozen=True)
class EnableTrigger:
    """ALTER TABLE ENABLE/DISABLE TRIGGER name | ALL | USER (`name` None: every trigger)."""
    name: str | None
    enabled: bool


AlterAction = (AddColumn | AddConstraint | AlterConstraint | DropColumn | DropConstraint | ValidateConstraint
               | RenameColumn
               | RenameRelation | SetColumnType | SetColumnDefault | DropExpression | SetColumnNotNull | AddIdentity
               | AlterIdentity | DropIdentity | RenameConstraint | SetOwner | SetSchema | SetStorageOptions
               | AlterSequenceOptions | EnableTrigger)


@dataclass(frozen=True)
class AlterRelation:
    kind: str  # TABLE INDEX SEQUENCE VIEW
    name: Name
    actions: tuple[AlterAction, ...] = field(default_factory=tuple)
    if_exists: bool = False


@dataclass(frozen=True)
class AlterSchema:
    name: str
    new_name: str | None = None
    owner: str | None = None


DdlStmt = (CreateTable | CreateTableAs | CreateIndex | CreateView | CreateMatView | RefreshMatView | CreateSequence
           | CreateSchema | CreateExtension | DropExtension | CreateTrigger | DropTrigger | DropObjects | Truncate | AlterRelation | AlterSchema)
