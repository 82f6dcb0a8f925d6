-- Custom SQL migration (drizzle-kit generate --custom): the role the service runs as.
-- `coherency_app` owns nothing, is no superuser and has no BYPASSRLS, so the row-level security of
-- every tenant table (forced in 0002) holds for it. Roles belong to the whole PostgreSQL cluster,
-- hence "if not exists": several databases (tests, staging) share one cluster. The operator logs in
-- as a LOGIN role that is a member of it (server/README.md); migrations run as the tables' owner.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'coherency_app') THEN
    CREATE ROLE coherency_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;
