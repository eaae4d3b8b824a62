"""SQLSTATE-coded exceptions: one class per PostgreSQL condition QuantaDB raises.

Call sites raise these classes; only the wire layer turns them into ErrorResponse bytes.
Class names are PostgreSQL's condition names in CamelCase (Appendix A of its manual).
"""

from __future__ import annotations


class SqlError(Exception):
    """An error a client sees: SQLSTATE, severity and PostgreSQL's optional fields."""

    sqlstate = "XX000"
    severity = "ERROR"

    def __init__(
        self,
        message: str,
        *,
        detail: str | None = None,
        hint: str | None = None,
        position: int | None = None,
        severity: str | None = None,
        schema: str | None = None,
        table: str | None = None,
        column: str | None = None,
        constraint: str | None = None,
        where: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.hint = hint
        self.position = position
        if severity is not None:
            self.severity = severity
        self.schema = schema
        self.table = table
        self.column = column
        self.constraint = constraint
        self.where = where  # the CONTEXT line: "COPY t, line 3, column a: \"x\""
        self.internal_query: str | None = None  # QUERY: the SQL a PL/pgSQL statement ran (internal_position:
        self.internal_position: int | None = None  # where in it the error points)

    def __str__(self) -> str:
        return self.message


class Notice:
    """A NoticeResponse/WARNING that does not interrupt the statement."""

    def __init__(self, message: str, sqlstate: str = "00000", severity: str = "NOTICE",
                 detail: str | None = None, hint: str | None = None, where: str | None = None) -> None:
        self.message = message
        self.sqlstate = sqlstate
        self.severity = severity
        self.detail = detail
        self.hint = hint
        self.where = where  # CONTEXT (a PL/pgSQL RAISE's statement)


def _condition(name: str, sqlstate: str, base: type[SqlError] = SqlError) -> type[SqlError]:
    cls = type(name, (base,), {"sqlstate": sqlstate})
    cls.__module__ = __name__
    return cls


# Class 08 - Connection Exception
ProtocolViolation = _condition("ProtocolViolation", "08P01")
# Class 0A - Feature Not Supported
FeatureNotSupported = _condition("FeatureNotSupported", "0A000")
# Class 21 - Cardinality Violation
CardinalityViolation = _condition("CardinalityViolation", "21000")
# Class 22 - Data Exception
DataException = _condition("DataException", "22000")
StringDataRightTruncation = _condition("StringDataRightTruncation", "22001", DataException)
StringDataLengthMismatch = _condition("StringDataLengthMismatch", "22026", DataException)
NumericValueOutOfRange = _condition("NumericValueOutOfRange", "22003", DataException)
InvalidDatetimeFormat = _condition("InvalidDatetimeFormat", "22007", DataException)
DatetimeFieldOverflow = _condition("DatetimeFieldOverflow", "22008", DataException)
InvalidTimeZoneDisplacementValue = _condition("InvalidTimeZoneDisplacementValue", "22009", DataException)
DivisionByZero = _condition("DivisionByZero", "22012", DataException)
InvalidParameterValue = _condition("InvalidParameterValue", "22023", DataException)
InvalidEscapeSequence = _condition("InvalidEscapeSequence", "22025", DataException)
NullValueNotAllowed = _condition("NullValueNotAllowed", "22004", DataException)
InvalidPrecedingOrFollowingSize = _condition("InvalidPrecedingOrFollowingSize", "22013", DataException)
InvalidArgumentForNtile = _condition("InvalidArgumentForNtile", "22014", DataException)
InvalidArgumentForNthValue = _condition("InvalidArgumentForNthValue", "22016", DataException)
InvalidRegularExpression = _condition("InvalidRegularExpression", "2201B", DataException)
SubstringError = _condition("SubstringError", "22011", DataException)
InvalidArgumentForLogarithm = _condition("InvalidArgumentForLogarithm", "2201E", DataException)
InvalidArgumentForPowerFunction = _condition("InvalidArgumentForPowerFunction", "2201F", DataException)
InvalidArgumentForWidthBucketFunction = _condition("InvalidArgumentForWidthBucketFunction", "2201G", DataException)
SequenceGeneratorLimitExceeded = _condition("SequenceGeneratorLimitExceeded", "2200H", DataException)
InvalidRowCountInLimitClause = _condition("InvalidRowCountInLimitClause", "2201W", DataException)
InvalidRowCountInResultOffsetClause = _condition("InvalidRowCountInResultOffsetClause", "2201X", DataException)
ArraySubscriptError = _condition("ArraySubscriptError", "2202E", DataException)
InvalidTextRepresentation = _condition("InvalidTextRepresentation", "22P02", DataException)
InvalidBinaryRepresentation = _condition("InvalidBinaryRepresentation", "22P03", DataException)
BadCopyFileFormat = _condition("BadCopyFileFormat", "22P04", DataException)
CharacterNotInRepertoire = _condition("CharacterNotInRepertoire", "22021", DataException)
# Class 23 - Integrity Constraint Violation
IntegrityConstraintViolation = _condition("IntegrityConstraintViolation", "23000")
NotNullViolation = _condition("NotNullViolation", "23502", IntegrityConstraintViolation)
ForeignKeyViolation = _condition("ForeignKeyViolation", "23503", IntegrityConstraintViolation)
UniqueViolation = _condition("UniqueViolation", "23505", IntegrityConstraintViolation)
CheckViolation = _condition("CheckViolation", "23514", IntegrityConstraintViolation)
# Class 25 - Invalid Transaction State
InvalidTransactionState = _condition("InvalidTransactionState", "25000")
ActiveSqlTransaction = _condition("ActiveSqlTransaction", "25001", InvalidTransactionState)
ReadOnlySqlTransaction = _condition("ReadOnlySqlTransaction", "25006", InvalidTransactionState)
NoActiveSqlTransaction = _condition("NoActiveSqlTransaction", "25P01", InvalidTransactionState)
InFailedSqlTransaction = _condition("InFailedSqlTransaction", "25P02", InvalidTransactionState)
IdleInTransactionSessionTimeout = _condition("IdleInTransactionSessionTimeout", "25P03", InvalidTransactionState)
# Class 24 / 26 / 34
InvalidCursorState = _condition("InvalidCursorState", "24000")
InvalidSqlStatementName = _condition("InvalidSqlStatementName", "26000")
InvalidCursorName = _condition("InvalidCursorName", "34000")
# Class 0L - Invalid Grantor
InvalidGrantOperation = _condition("InvalidGrantOperation", "0LP01")
# Class 28 - Invalid Authorization Specification
InvalidAuthorizationSpecification = _condition("InvalidAuthorizationSpecification", "28000")
InvalidPassword = _condition("InvalidPassword", "28P01", InvalidAuthorizationSpecification)
# Class 3B / 3D / 3F
InvalidSavepointSpecification = _condition("InvalidSavepointSpecification", "3B001")
InvalidCatalogName = _condition("InvalidCatalogName", "3D000")
InvalidSchemaName = _condition("InvalidSchemaName", "3F000")
# Class 40 - Transaction Rollback
SerializationFailure = _condition("SerializationFailure", "40001")
DeadlockDetected = _condition("DeadlockDetected", "40P01")
# Class 42 - Syntax Error or Access Rule Violation
GeneratedAlways = _condition("GeneratedAlways", "428C9")
SyntaxError = _condition("SyntaxError", "42601")
InsufficientPrivilege = _condition("InsufficientPrivilege", "42501")
ReservedName = _condition("ReservedName", "42939")
GroupingError = _condition("GroupingError", "42803")
WindowingError = _condition("WindowingError", "42P20")
InvalidForeignKey = _condition("InvalidForeignKey", "42830")
CannotCoerce = _condition("CannotCoerce", "42846")
DatatypeMismatch = _condition("DatatypeMismatch", "42804")
WrongObjectType = _condition("WrongObjectType", "42809")
UndefinedColumn = _condition("UndefinedColumn", "42703")
UndefinedFunction = _condition("UndefinedFunction", "42883")
UndefinedTable = _condition("UndefinedTable", "42P01")
UndefinedParameter = _condition("UndefinedParameter", "42P02")
UndefinedObject = _condition("UndefinedObject", "42704")
DuplicateColumn = _condition("DuplicateColumn", "42701")
DuplicateCursor = _condition("DuplicateCursor", "42P03")
DuplicateDatabase = _condition("DuplicateDatabase", "42P04")
DuplicatePreparedStatement = _condition("DuplicatePreparedStatement", "42P05")
DuplicateSchema = _condition("DuplicateSchema", "42P06")
DuplicateTable = _condition("DuplicateTable", "42P07")
DuplicateAlias = _condition("DuplicateAlias", "42712")
DuplicateObject = _condition("DuplicateObject", "42710")
DuplicateFunction = _condition("DuplicateFunction", "42723")
AmbiguousColumn = _condition("AmbiguousColumn", "42702")
AmbiguousAlias = _condition("AmbiguousAlias", "42P09")
AmbiguousFunction = _condition("AmbiguousFunction", "42725")
AmbiguousParameter = _condition("AmbiguousParameter", "42P08")
InvalidColumnReference = _condition("InvalidColumnReference", "42P10")
InvalidCursorDefinition = _condition("InvalidCursorDefinition", "42P11")
InvalidTableDefinition = _condition("InvalidTableDefinition", "42P16")
InvalidObjectDefinition = _condition("InvalidObjectDefinition", "42P17")
IndeterminateDatatype = _condition("IndeterminateDatatype", "42P18")
InvalidRecursion = _condition("InvalidRecursion", "42P19")
InvalidFunctionDefinition = _condition("InvalidFunctionDefinition", "42P13")
DependentObjectsStillExist = _condition("DependentObjectsStillExist", "2BP01")
DependentPrivilegeDescriptorsStillExist = _condition("DependentPrivilegeDescriptorsStillExist", "2B000")
# Class 44 - WITH CHECK OPTION Violation
WithCheckOptionViolation = _condition("WithCheckOptionViolation", "44000")
# Class 53 - Insufficient Resources
TooManyConnections = _condition("TooManyConnections", "53300")
ProgramLimitExceeded = _condition("ProgramLimitExceeded", "54000")
# Class 55 - Object Not In Prerequisite State
ObjectNotInPrerequisiteState = _condition("ObjectNotInPrerequisiteState", "55000")
ObjectInUse = _condition("ObjectInUse", "55006")
LockNotAvailable = _condition("LockNotAvailable", "55P03")
UnsafeNewEnumValueUsage = _condition("UnsafeNewEnumValueUsage", "55P04")
# Class 57 - Operator Intervention
QueryCanceled = _condition("QueryCanceled", "57014")
AdminShutdown = _condition("AdminShutdown", "57P01")
IdleSessionTimeout = _condition("IdleSessionTimeout", "57P05")
# Class 58 / XX
IoError = _condition("IoError", "58030")
UndefinedFile = _condition("UndefinedFile", "58P01")
InternalError = _condition("InternalError", "XX000")
DataCorrupted = _condition("DataCorrupted", "XX001")
# Class 20 / 2D / 0Z / P0 - PL/pgSQL (plpgsql/)
CaseNotFound = _condition("CaseNotFound", "20000")
InvalidTransactionTermination = _condition("InvalidTransactionTermination", "2D000")
StackedDiagnosticsAccessedWithoutActiveHandler = _condition("StackedDiagnosticsAccessedWithoutActiveHandler", "0Z002")
RaiseException = _condition("RaiseException", "P0001")
NoDataFound = _condition("NoDataFound", "P0002")
TooManyRows = _condition("TooManyRows", "P0003")
AssertFailure = _condition("AssertFailure", "P0004")
FunctionExecutedNoReturnStatement = _condition("FunctionExecutedNoReturnStatement", "2F005")
StatementTooComplex = _condition("StatementTooComplex", "54001")
