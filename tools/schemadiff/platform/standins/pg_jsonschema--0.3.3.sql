-- schemadiff stand-in for pg_jsonschema (supabase/pg_jsonschema README): the functions apps
-- put in CHECK constraints, with their signatures. It checks only that the schema is a JSON
-- object or boolean and the instance is not NULL: it does not validate against the schema
-- (the real one is Rust), so a scratch database accepts rows the platform may refuse.
CREATE FUNCTION @extschema@.jsonschema_is_valid(schema json) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT json_typeof(schema) IN ('object', 'boolean') $$;

CREATE FUNCTION @extschema@.jsonschema_is_valid(schema jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT jsonb_typeof(schema) IN ('object', 'boolean') $$;

CREATE FUNCTION @extschema@.json_matches_schema(schema json, instance json) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT @extschema@.jsonschema_is_valid(schema) $$;

CREATE FUNCTION @extschema@.jsonb_matches_schema(schema json, instance jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT @extschema@.jsonschema_is_valid(schema) $$;

CREATE FUNCTION @extschema@.jsonb_matches_schema(schema jsonb, instance jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT @extschema@.jsonschema_is_valid(schema) $$;
