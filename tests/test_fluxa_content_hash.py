"""The content hash: equal for the same story, different for another source or hour."""

from __future__ import annotations

import hashlib
import string
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from fluxa_content_hash import content_hash, normalize, truncate_to_hour

titles = st.text(min_size=1, max_size=80)
# Source keys as the seed data has them: short lowercase identifiers.
source_keys = st.text(alphabet=string.ascii_lowercase + string.digits + "_", min_size=1,
                      max_size=20)
# Offsets real zones use (±14 h), in whole minutes; a few odd ones included.
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
instants = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
# Whitespace that str.split() collapses, as it arrives in titles from feeds.
whitespace_runs = st.text(alphabet=" \t\n\r\u00a0\u2003\u3000", min_size=1, max_size=4)


def _swap_case(text: str, flips: list[bool]) -> str:
    return "".join(c.swapcase() if flip else c for c, flip in zip(text, flips, strict=False))


# --- normalize -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Breaking:\tMarkets   RALLY \n", "breaking: markets rally"),
        ("Straße", "strasse"),
        ("ＡＰＰＬＥ unveils ﬁrst phone", "apple unveils first phone"),
        ("Café", "café"),
        ("a\u00a0b", "a b"),
        ("   ", ""),
    ],
)
def test_normalize_examples(raw, expected):
    assert normalize(raw) == expected


@given(titles)
def test_normalize_is_idempotent(title):
    assert normalize(normalize(title)) == normalize(title)


@given(titles)
def test_normalized_title_has_no_edge_or_double_whitespace(title):
    result = normalize(title)
    assert result == result.strip()
    assert "  " not in result
    assert not any(c.isspace() and c != " " for c in result)


# --- truncate_to_hour ----------------------------------------------------------------------

def test_truncate_to_hour_converts_to_utc():
    paris_winter = timezone(timedelta(hours=1))
    result = truncate_to_hour(datetime(2025, 1, 15, 10, 59, 59, 999999, tzinfo=paris_winter))
    assert result == datetime(2025, 1, 15, 9, 0, tzinfo=UTC)
    assert result.utcoffset() == timedelta(0)


def test_truncate_to_hour_rejects_naive_datetimes():
    with pytest.raises(ValueError, match="no time zone"):
        truncate_to_hour(datetime(2025, 1, 15, 10, 30))


@given(instants, offsets)
def test_truncate_to_hour_is_the_start_of_the_utc_hour(instant, zone):
    result = truncate_to_hour(instant.astimezone(zone))
    assert result.tzinfo == UTC
    assert (result.minute, result.second, result.microsecond) == (0, 0, 0)
    assert result <= instant < result + timedelta(hours=1)


# --- content_hash --------------------------------------------------------------------------

def test_content_hash_matches_the_plans_formula_by_hand():
    published = datetime(2025, 1, 15, 10, 42, tzinfo=UTC)
    expected = hashlib.sha256(
        b"markets rally|newsapi|2025-01-15T10:00:00+00:00"
    ).hexdigest()
    assert content_hash("  Markets  RALLY ", "newsapi", published) == expected


def test_content_hash_is_64_lowercase_hex_digits():
    digest = content_hash("Title", "guardian", datetime(2025, 1, 1, tzinfo=UTC))
    assert len(digest) == 64
    assert set(digest) <= set("0123456789abcdef")


@given(titles, source_keys, instants, st.lists(st.booleans(), max_size=80), whitespace_runs,
       whitespace_runs)
def test_whitespace_and_case_variants_hash_equal(title, source, instant, flips, lead, trail):
    variant = lead + _swap_case(title, flips).replace(" ", "  ") + trail
    assume(normalize(variant) == normalize(title))  # swapcase is not a fold for every letter
    assert content_hash(variant, source, instant) == content_hash(title, source, instant)


@given(st.lists(st.text(alphabet=string.ascii_letters + string.digits, min_size=1,
                        max_size=10), min_size=1, max_size=6),
       source_keys, instants, st.data())
def test_ascii_titles_equal_whatever_the_spacing_and_case(words, source, instant, data):
    # No assume() here: for ASCII words swapcase and re-spacing are always the same title.
    spaced = "".join(data.draw(whitespace_runs) + w.swapcase() for w in words)
    assert content_hash(spaced, source, instant) == content_hash(" ".join(words), source, instant)


@given(titles, source_keys, instants, offsets, st.integers(min_value=0, max_value=3599))
def test_same_hour_in_any_time_zone_hashes_equal(title, source, instant, zone, seconds):
    start = truncate_to_hour(instant)
    later_same_hour = (start + timedelta(seconds=seconds)).astimezone(zone)
    assert content_hash(title, source, later_same_hour) == content_hash(title, source, start)


@given(titles, source_keys, source_keys, instants)
def test_another_source_hashes_differently(title, source, other, instant):
    assume(source != other)
    assert content_hash(title, source, instant) != content_hash(title, other, instant)


@given(titles, source_keys, instants, st.integers(min_value=1, max_value=24 * 365))
def test_another_hour_hashes_differently(title, source, instant, hours):
    later = instant + timedelta(hours=hours)
    assert content_hash(title, source, instant) != content_hash(title, source, later)


@given(titles, source_keys, instants)
def test_undated_items_hash_on_title_and_source_alone(title, source, instant):
    undated = content_hash(title, source, None)
    assert undated == content_hash(" " + title + "\t", source, None)
    assert undated != content_hash(title, source, instant)
    assert undated == hashlib.sha256(f"{normalize(title)}|{source}|".encode()).hexdigest()


def test_naive_published_at_is_rejected():
    with pytest.raises(ValueError, match="no time zone"):
        content_hash("Title", "newsapi", datetime(2025, 1, 15, 10, 30))


@pytest.mark.parametrize("source_key", ["", "news|api"])
def test_source_keys_that_would_make_the_input_ambiguous_are_rejected(source_key):
    with pytest.raises(ValueError, match="source_key"):
        content_hash("Title", source_key, None)
