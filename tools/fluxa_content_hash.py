"""Fluxa's content hash: the global deduplication key of `public.content_items`.

    content_hash = sha256(normalize(title) + "|" + source_key + "|" + hour).hexdigest()

The hash is derived, never the stored data: `content_items.title` keeps the raw title,
so the normalization below can change later without losing anything (re-hash the rows).

Normalization rules of `normalize(title)`, in this order:
  1. Unicode NFKC: compatibility forms fold together (full-width "ＡＢＣ" is "ABC",
     the ligature "ﬁ" is "fi", a no-break space is a space).
  2. Case-folded with `str.casefold()` (stronger than lower(): "Straße" == "STRASSE").
  3. NFKC again, because case folding can leave decomposed sequences.
  4. Whitespace collapsed: every run of whitespace (anything `str.split()` splits on,
     tabs and newlines included) becomes one space, and
  5. trimmed at both ends.
Punctuation, accents and digits are kept: "Café" and "Cafe" are different stories.

The hour component, `truncate_to_hour(published_at)`: the instant converted to UTC and
cut to the start of its hour, written as ISO 8601 ("2025-01-15T10:00:00+00:00"). So the
same instant given in any time zone yields the same hash, and a story re-published
within the same hour is still one story. A naive datetime is rejected (ValueError): its
zone, hence its hour, is unknown.

`published_at` None (the column is nullable; some sources send no date): the hour
component is the empty string. Undated copies of a story from one source then
deduplicate on title and source alone, which is what repeated fetches of an undated
feed need; a dated and an undated copy hash differently.

The algorithm is SHA-256, fixed here: `content_config` key `deduplication.hash_algorithm`
records it ("sha256"); changing it means re-hashing every row, not flipping a setting.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import UTC, datetime

ALGORITHM = "sha256"
SEPARATOR = "|"

__all__ = ["ALGORITHM", "content_hash", "normalize", "truncate_to_hour"]


def normalize(title: str) -> str:
    """The title as it enters the hash: NFKC, case-folded, whitespace collapsed, trimmed."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(unicodedata.normalize("NFKC", folded).split())


def truncate_to_hour(published_at: datetime) -> datetime:
    """The start of the UTC hour holding `published_at`; naive datetimes raise ValueError."""
    if published_at.tzinfo is None or published_at.utcoffset() is None:
        raise ValueError(
            f"published_at {published_at.isoformat()} has no time zone; "
            "pass an aware datetime (e.g. with tzinfo=timezone.utc)"
        )
    return published_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def content_hash(title: str, source_key: str, published_at: datetime | None) -> str:
    """Hex SHA-256 of normalized title | source_key | UTC hour ('' when published_at is None)."""
    if not source_key or SEPARATOR in source_key:
        # A '|' in the key would let two different (title, source) pairs share an input.
        raise ValueError(f"source_key must be non-empty and free of {SEPARATOR!r}: {source_key!r}")
    hour = "" if published_at is None else truncate_to_hour(published_at).isoformat()
    hash_input = SEPARATOR.join((normalize(title), source_key, hour))
    return hashlib.sha256(hash_input.encode("utf-8")).hexdigest()
