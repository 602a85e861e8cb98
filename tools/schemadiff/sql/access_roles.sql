-- Which of the configured API roles exist in this database.
SELECT rolname AS role FROM pg_roles WHERE rolname = ANY(%(roles)s);
