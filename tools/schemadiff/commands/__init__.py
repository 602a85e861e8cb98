"""One function per CLI verb. Each returns data for the CLI to render; none prints."""

from __future__ import annotations

from .changes import (
    CheckResult,
    DiffResult,
    check,
    diff,
    hash_migrations,
    lossy,
    own_losses,
    regenerate_rollback,
    verify,
)
from .schema import AccessResult, DriftResult, PullResult, access, drift, erd, pull

__all__ = [
    "AccessResult", "CheckResult", "DiffResult", "DriftResult", "PullResult", "access",
    "check", "diff", "drift", "erd", "hash_migrations", "lossy", "own_losses", "pull",
    "regenerate_rollback", "verify",
]
