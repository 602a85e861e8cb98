-- schemadiff stand-in for http (pramsey/pgsql-http README): its types and the calls apps
-- make, so migrations that use them load. A scratch database has no network: every
-- request answers status 503 with a body that says so.
CREATE TYPE @extschema@.http_method AS ENUM ('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD');
CREATE TYPE @extschema@.http_header AS (field varchar, value varchar);
CREATE TYPE @extschema@.http_request AS (method @extschema@.http_method, uri varchar,
                                         headers @extschema@.http_header[],
                                         content_type varchar, content varchar);
CREATE TYPE @extschema@.http_response AS (status integer, content_type varchar,
                                          headers @extschema@.http_header[], content varchar);

CREATE FUNCTION @extschema@.http_header(field varchar, value varchar)
    RETURNS @extschema@.http_header LANGUAGE sql IMMUTABLE
    AS $$ SELECT ROW(field, value)::@extschema@.http_header $$;

CREATE FUNCTION @extschema@.http(request @extschema@.http_request)
    RETURNS @extschema@.http_response LANGUAGE sql VOLATILE AS $$
    SELECT ROW(503, 'text/plain', ARRAY[]::@extschema@.http_header[],
               'http is a schemadiff stand-in here: no network')::@extschema@.http_response
$$;

CREATE FUNCTION @extschema@.http_get(uri varchar) RETURNS @extschema@.http_response
    LANGUAGE sql VOLATILE AS $$
    SELECT @extschema@.http(ROW('GET', uri, NULL, NULL, NULL)::@extschema@.http_request)
$$;

CREATE FUNCTION @extschema@.http_post(uri varchar, content varchar, content_type varchar)
    RETURNS @extschema@.http_response LANGUAGE sql VOLATILE AS $$
    SELECT @extschema@.http(ROW('POST', uri, NULL, content_type, content)
                            ::@extschema@.http_request)
$$;

CREATE FUNCTION @extschema@.http_delete(uri varchar) RETURNS @extschema@.http_response
    LANGUAGE sql VOLATILE AS $$
    SELECT @extschema@.http(ROW('DELETE', uri, NULL, NULL, NULL)::@extschema@.http_request)
$$;
