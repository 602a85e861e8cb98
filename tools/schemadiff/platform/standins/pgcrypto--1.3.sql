-- schemadiff stand-in for pgcrypto 1.3 (PostgreSQL docs, "pgcrypto"), in SQL over core
-- functions, for what runs while a migration is generated and proven: column defaults,
-- seeds and triggers calling gen_random_bytes(), digest(), hmac(), crypt(), gen_salt().
-- - gen_random_bytes: the random bits of gen_random_uuid() (version and variant bits
--   included, so not perfectly uniform: fine for scratch data, never for secrets);
-- - digest/hmac: md5, sha224, sha256, sha384, sha512 (core has no sha1);
-- - gen_salt/crypt: 'bf' and 'md5' salts of the real shapes; crypt(pw, crypt(pw, salt))
--   equals crypt(pw, salt), as password checks need, but the hash is not real bcrypt
--   (core has no Blowfish): a hash made here does not verify elsewhere.
-- pgp_*, encrypt/decrypt and armor are not provided: calling them says the function does
-- not exist.

CREATE FUNCTION @extschema@.gen_random_bytes(integer) RETURNS bytea
    LANGUAGE sql VOLATILE STRICT PARALLEL SAFE AS $$
    SELECT substr(coalesce(string_agg(uuid_send(gen_random_uuid()), ''::bytea), ''::bytea),
                  1, $1)
    FROM generate_series(1, ($1 + 15) / 16)
$$;

CREATE FUNCTION @extschema@.digest(bytea, text) RETURNS bytea
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    CASE lower($2)
        WHEN 'md5' THEN RETURN decode(md5($1), 'hex');
        WHEN 'sha224' THEN RETURN sha224($1);
        WHEN 'sha256' THEN RETURN sha256($1);
        WHEN 'sha384' THEN RETURN sha384($1);
        WHEN 'sha512' THEN RETURN sha512($1);
        ELSE RAISE EXCEPTION 'digest type % is not in the schemadiff stand-in for pgcrypto', $2
            USING HINT = 'It has md5 and sha224/256/384/512; for others run schemadiff on a '
                         'server with the real pgcrypto (--backend local).';
    END CASE;
END $$;

CREATE FUNCTION @extschema@.digest(text, text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT @extschema@.digest(convert_to($1, 'UTF8'), $2) $$;

-- HMAC (RFC 2104): H((K xor opad) || H((K xor ipad) || data)), block 64 or 128 bytes.
CREATE FUNCTION @extschema@.hmac(bytea, bytea, text) RETURNS bytea
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    block integer := CASE WHEN lower($3) IN ('sha384', 'sha512') THEN 128 ELSE 64 END;
    k bytea := $2;
    inner_key bytea;
    outer_key bytea;
BEGIN
    IF length(k) > block THEN
        k := @extschema@.digest(k, $3);
    END IF;
    k := k || decode(repeat('00', block - length(k)), 'hex');
    inner_key := k;
    outer_key := k;
    FOR i IN 0 .. block - 1 LOOP
        inner_key := set_byte(inner_key, i, get_byte(k, i) # 54);
        outer_key := set_byte(outer_key, i, get_byte(k, i) # 92);
    END LOOP;
    RETURN @extschema@.digest(outer_key || @extschema@.digest(inner_key || $1, $3), $3);
END $$;

CREATE FUNCTION @extschema@.hmac(text, text, text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT @extschema@.hmac(convert_to($1, 'UTF8'), convert_to($2, 'UTF8'), $3) $$;

-- crypt()'s alphabet: ./0-9A-Za-z.
CREATE FUNCTION @extschema@.gen_salt(text, integer) RETURNS text
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $$
DECLARE
    chars text := translate(encode(@extschema@.gen_random_bytes(24), 'base64'), '+/=', './');
BEGIN
    CASE lower($1)
        WHEN 'bf' THEN RETURN format('$2a$%s$', lpad($2::text, 2, '0')) || substr(chars, 1, 22);
        WHEN 'md5' THEN RETURN '$1$' || substr(chars, 1, 8);
        ELSE RAISE EXCEPTION 'salt type % is not in the schemadiff stand-in for pgcrypto', $1
            USING HINT = 'It has bf and md5; for others run schemadiff on a server with the '
                         'real pgcrypto (--backend local).';
    END CASE;
END $$;

CREATE FUNCTION @extschema@.gen_salt(text) RETURNS text
    LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
    AS $$ SELECT @extschema@.gen_salt($1, 6) $$;

CREATE FUNCTION @extschema@.crypt(text, text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    prefix text;
    length_ integer;
BEGIN
    IF $2 ~ '^\$2[abxy]\$[0-9]{2}\$' THEN
        prefix := substr($2, 1, 29);  -- $2a$NN$ + 22 salt characters
        length_ := 31;
    ELSIF $2 ~ '^\$1\$' THEN
        prefix := substring($2 from '^\$1\$[^$]{0,8}') || '$';
        length_ := 22;
    ELSE
        RAISE EXCEPTION 'the schemadiff stand-in for pgcrypto reads only bf and md5 salts'
            USING HINT = 'Run schemadiff on a server with the real pgcrypto (--backend local).';
    END IF;
    RETURN prefix || substr(translate(encode(sha512(convert_to(prefix || $1, 'UTF8')),
                                             'base64'), E'+/=\n', './'), 1, length_);
END $$;
