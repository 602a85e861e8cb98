-- schemadiff stand-in for pgsodium (michelp/pgsodium): `create extension pgsodium` in a
-- pulled history loads; none of its cryptography is here (libsodium is C), so calling one
-- of its functions says the function does not exist. Apps reach it through vault, which the
-- platform model provides as plain objects (platform/60_vault.sql).
SELECT 1;
