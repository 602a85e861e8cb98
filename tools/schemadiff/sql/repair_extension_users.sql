-- Whether anything outside an extension uses it: an object (a column of its type, an
-- index with its operator class, a function calling it…) that depends on the extension
-- or on one of its members, not being a member itself. Without such a user, dropping
-- and creating the extension at another version loses nothing.
WITH members AS (
    SELECT classid, objid FROM pg_depend
     WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
       AND refobjid = (SELECT oid FROM pg_extension WHERE extname = %(name)s)
)
SELECT EXISTS (
    SELECT FROM pg_depend d
     WHERE d.deptype IN ('n', 'a')
       AND ((d.refclassid, d.refobjid) IN (SELECT classid, objid FROM members)
            OR (d.refclassid = 'pg_extension'::regclass
                AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = %(name)s)))
       AND (d.classid, d.objid) NOT IN (SELECT classid, objid FROM members)
       -- an operator family's operators and functions are parts of the family
       AND d.classid NOT IN ('pg_amop'::regclass, 'pg_amproc'::regclass)
);
