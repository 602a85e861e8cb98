-- schemadiff stand-in for uuid-ossp 1.1 (PostgreSQL docs, "uuid-ossp"): the same function
-- names and signatures, in SQL over core functions. v4 is gen_random_uuid() (core since
-- PG13); v3 is the RFC 4122 name-based MD5 UUID; v1/v1mc are random UUIDs with version 1
-- bits (there is no MAC address or clock sequence in a scratch database); v5 needs SHA-1,
-- which core Postgres lacks, so it says so when called.

CREATE FUNCTION uuid_nil() RETURNS uuid LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT '00000000-0000-0000-0000-000000000000'::uuid $$;
CREATE FUNCTION uuid_ns_dns() RETURNS uuid LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid $$;
CREATE FUNCTION uuid_ns_url() RETURNS uuid LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT '6ba7b811-9dad-11d1-80b4-00c04fd430c8'::uuid $$;
CREATE FUNCTION uuid_ns_oid() RETURNS uuid LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT '6ba7b812-9dad-11d1-80b4-00c04fd430c8'::uuid $$;
CREATE FUNCTION uuid_ns_x500() RETURNS uuid LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT '6ba7b814-9dad-11d1-80b4-00c04fd430c8'::uuid $$;

CREATE FUNCTION uuid_generate_v4() RETURNS uuid LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
    AS $$ SELECT gen_random_uuid() $$;

-- Version 1 layout (version nibble 1, RFC 4122 variant) over random bits.
CREATE FUNCTION uuid_generate_v1() RETURNS uuid LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
    AS $$ SELECT overlay(gen_random_uuid()::text placing '1' from 15 for 1)::uuid $$;
CREATE FUNCTION uuid_generate_v1mc() RETURNS uuid LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
    AS $$ SELECT overlay(gen_random_uuid()::text placing '1' from 15 for 1)::uuid $$;

-- RFC 4122 section 4.3 with MD5: hash(namespace bytes || name), version 3, variant 10.
CREATE FUNCTION uuid_generate_v3(namespace uuid, name text) RETURNS uuid
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT encode(
        set_byte(set_byte(h, 6, (get_byte(h, 6) & 15) | 48), 8, (get_byte(h, 8) & 63) | 128),
        'hex')::uuid
    FROM (SELECT decode(md5(uuid_send(namespace) || convert_to(name, 'UTF8')), 'hex') AS h) s
$$;

CREATE FUNCTION uuid_generate_v5(namespace uuid, name text) RETURNS uuid
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    RAISE EXCEPTION 'uuid_generate_v5() needs SHA-1, which the schemadiff stand-in for '
        'uuid-ossp does not have'
        USING HINT = 'Run schemadiff on a server with the real uuid-ossp (--backend local).';
END $$;
