-- Session settings for reading reference data, inside data.py's own transaction or
-- savepoint (SET LOCAL: the caller's session is left as it was).
-- Every value is read as its text output and written back as '<text>'::type, so the
-- output must be a form any session parses back to the same value:
SET LOCAL search_path = pg_catalog;      -- format_type() then schema-qualifies user types
SET LOCAL DateStyle = 'ISO, YMD';        -- ISO dates parse under every DateStyle
SET LOCAL IntervalStyle = 'iso_8601';    -- P1DT2H: no sign ambiguity across IntervalStyles
SET LOCAL TimeZone = 'UTC';              -- timestamptz prints its offset; one zone keeps text stable
SET LOCAL extra_float_digits = 1;        -- shortest text that round-trips a float exactly
SET LOCAL bytea_output = 'hex';
SET LOCAL row_security = off;            -- an RLS policy must fail the read, not filter rows
