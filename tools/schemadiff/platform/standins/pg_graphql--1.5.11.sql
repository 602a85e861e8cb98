-- schemadiff stand-in for pg_graphql (supabase/pg_graphql): the resolver's signature, so
-- SQL that grants on it or wraps it loads; it answers with an error object (the real
-- resolver is Rust). Apps mostly use `comment on ... is e'@graphql(...)'`, which needs
-- nothing.
CREATE FUNCTION @extschema@.resolve(query text, variables jsonb DEFAULT '{}',
                                    "operationName" text DEFAULT NULL,
                                    extensions jsonb DEFAULT NULL) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('errors', jsonb_build_array(jsonb_build_object(
        'message', 'pg_graphql is a schemadiff stand-in here: no GraphQL resolver')))
$$;

CREATE FUNCTION @extschema@.rebuild_schema() RETURNS void LANGUAGE sql AS $$ SELECT $$;
