-- schemadiff stand-in for pg_cron (citusdata/pg_cron README): jobs are stored in cron.job,
-- as apps' migrations expect to schedule and unschedule them; nothing runs (the real
-- scheduler is a C background worker).
CREATE SCHEMA IF NOT EXISTS cron;

CREATE TABLE cron.job (
    jobid bigserial PRIMARY KEY,
    schedule text NOT NULL,
    command text NOT NULL,
    nodename text NOT NULL DEFAULT 'localhost',
    nodeport integer NOT NULL DEFAULT 5432,
    database text NOT NULL DEFAULT current_database(),
    username text NOT NULL DEFAULT current_user,
    active boolean NOT NULL DEFAULT true,
    jobname text UNIQUE
);

CREATE TABLE cron.job_run_details (
    jobid bigint,
    runid bigserial PRIMARY KEY,
    job_pid integer,
    database text,
    username text,
    command text,
    status text,
    return_message text,
    start_time timestamptz,
    end_time timestamptz
);

CREATE FUNCTION cron.schedule(job_name text, schedule text, command text) RETURNS bigint
    LANGUAGE sql VOLATILE AS $$
    INSERT INTO cron.job (jobname, schedule, command) VALUES (job_name, schedule, command)
    ON CONFLICT (jobname) DO UPDATE SET schedule = excluded.schedule,
                                        command = excluded.command
    RETURNING jobid
$$;

CREATE FUNCTION cron.schedule(schedule text, command text) RETURNS bigint
    LANGUAGE sql VOLATILE AS $$
    INSERT INTO cron.job (schedule, command) VALUES (schedule, command) RETURNING jobid
$$;

CREATE FUNCTION cron.unschedule(job_id bigint) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    DELETE FROM cron.job WHERE jobid = job_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'could not find valid entry for job %', job_id;
    END IF;
    RETURN true;
END $$;

CREATE FUNCTION cron.unschedule(job_name text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    DELETE FROM cron.job WHERE jobname = job_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'could not find valid entry for job ''%''', job_name;
    END IF;
    RETURN true;
END $$;
