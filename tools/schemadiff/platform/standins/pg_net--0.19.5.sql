-- schemadiff stand-in for pg_net (supabase/pg_net README): the functions and tables apps
-- call from triggers and cron jobs, in schema net. Requests are queued and never sent:
-- a scratch database has no network, and the real extension's background worker is C.
CREATE SCHEMA IF NOT EXISTS net;

CREATE TABLE net.http_request_queue (
    id bigserial PRIMARY KEY,
    method text NOT NULL,
    url text NOT NULL,
    headers jsonb NOT NULL,
    body bytea,
    timeout_milliseconds integer NOT NULL
);

CREATE TABLE net._http_response (
    id bigint,
    status_code integer,
    content_type text,
    headers jsonb,
    content text,
    timed_out boolean,
    error_msg text,
    created timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION net.http_get(url text, params jsonb DEFAULT '{}', headers jsonb DEFAULT '{}',
                             timeout_milliseconds integer DEFAULT 5000) RETURNS bigint
    LANGUAGE sql VOLATILE AS $$
    INSERT INTO net.http_request_queue (method, url, headers, timeout_milliseconds)
    VALUES ('GET', url, headers, timeout_milliseconds) RETURNING id
$$;

CREATE FUNCTION net.http_post(url text, body jsonb DEFAULT '{}', params jsonb DEFAULT '{}',
                              headers jsonb DEFAULT '{"Content-Type": "application/json"}',
                              timeout_milliseconds integer DEFAULT 5000) RETURNS bigint
    LANGUAGE sql VOLATILE AS $$
    INSERT INTO net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    VALUES ('POST', url, headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
    RETURNING id
$$;

CREATE FUNCTION net.http_delete(url text, params jsonb DEFAULT '{}', headers jsonb DEFAULT '{}',
                                timeout_milliseconds integer DEFAULT 5000) RETURNS bigint
    LANGUAGE sql VOLATILE AS $$
    INSERT INTO net.http_request_queue (method, url, headers, timeout_milliseconds)
    VALUES ('DELETE', url, headers, timeout_milliseconds) RETURNING id
$$;
