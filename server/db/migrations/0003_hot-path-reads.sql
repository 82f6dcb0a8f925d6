-- Custom SQL migration (drizzle-kit generate --custom): the two reads every connected workstation
-- makes all day — its credential, and a pull page — as ONE statement each (one round trip instead
-- of BEGIN, set_config, the select(s), COMMIT). Each function sets the clinic of its own statement
-- first and is SECURITY INVOKER: the tables' forced row-level security applies to it exactly as to
-- any other query of the run-time role, and it reads nothing outside the clinic it was given.
-- Called outside any transaction (the setting is transaction-local and ends with the statement).
CREATE FUNCTION coherency_device_credential(p_clinic uuid, p_device text)
RETURNS TABLE (token_sha256 text, next_token_sha256 text, revoked_at bigint, last_seen_at bigint)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
BEGIN
  PERFORM set_config('app.clinic_id', p_clinic::text, true);
  RETURN QUERY SELECT d.token_sha256, d.next_token_sha256, d.revoked_at, d.last_seen_at
    FROM devices d WHERE d.clinic_id = p_clinic AND d.id = p_device;
END
$$;--> statement-breakpoint
-- A pull page: the clinic's head version and up to p_limit + 1 rows after p_after, read in one
-- statement (one snapshot), so the head never lags the rows. No row at all: no such clinic here.
CREATE FUNCTION coherency_pull(p_clinic uuid, p_after bigint, p_limit integer)
RETURNS TABLE (head bigint, tbl text, key text, data jsonb, version bigint, deleted boolean)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
BEGIN
  PERFORM set_config('app.clinic_id', p_clinic::text, true);
  RETURN QUERY SELECT c.version, e.tbl, e.key, e.data, e.version, e.deleted
    FROM clinics c
    LEFT JOIN LATERAL (
      SELECT x.tbl, x.key, x.data, x.version, x.deleted FROM entities x
      WHERE x.clinic_id = p_clinic AND x.version > p_after ORDER BY x.version LIMIT p_limit + 1
    ) e ON true
    WHERE c.id = p_clinic
    ORDER BY e.version;
END
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION coherency_device_credential(uuid, text), coherency_pull(uuid, bigint, integer) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION coherency_device_credential(uuid, text), coherency_pull(uuid, bigint, integer) TO coherency_app;
