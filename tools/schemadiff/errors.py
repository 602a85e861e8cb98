"""One error family: each error carries its user-facing message and its exit code."""

from __future__ import annotations

# Exit codes are a contract (README, "Exit codes").
EXIT_OK = 0
EXIT_DRIFT = 1
EXIT_USAGE = 2
EXIT_DESTRUCTIVE = 3
EXIT_NO_POSTGRES = 4
EXIT_BAD_SQL = 5


class SchemadiffError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message if not self.detail else f"{self.message}\n{self.detail}"


class UsageError(SchemadiffError):
    """Bad arguments, config or repository layout."""

    exit_code = EXIT_USAGE


class WriteError(SchemadiffError):
    """The project's files cannot be written (read-only directory, full disk): the
    environment's problem, reported like a usage error; nothing was written."""

    exit_code = EXIT_USAGE


class DriftError(SchemadiffError):
    """Migrations and schema.sql disagree, or a proof failed."""

    exit_code = EXIT_DRIFT


class VerificationError(DriftError):
    """A generated or recorded migration did not prove out."""


class DestructiveChangeError(SchemadiffError):
    """The diff would drop or rewrite data and --allow-destructive was not given."""

    exit_code = EXIT_DESTRUCTIVE

    def __init__(self, message: str, statements: list[str], *, detail: str | None = None):
        super().__init__(message, detail=detail)
        self.statements = statements


class DataDependentChangeError(SchemadiffError):
    """The change would fail or lose rows on a populated database, and
    --allow-data-dependent was not given."""

    exit_code = EXIT_DESTRUCTIVE

    def __init__(self, message: str, statements: list[str], *, detail: str | None = None):
        super().__init__(message, detail=detail)
        self.statements = statements


class NoPostgresError(SchemadiffError):
    """No scratch Postgres could be started by any backend tried."""

    exit_code = EXIT_NO_POSTGRES


class SQLInputError(SchemadiffError):
    """A SQL file could not be read, parsed or applied."""

    exit_code = EXIT_BAD_SQL
