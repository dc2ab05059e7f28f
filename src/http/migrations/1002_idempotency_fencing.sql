-- Up Migration
-- Exactly-once for mutating POSTs. Every claim of a key gets a fresh claim_token (a fencing
-- token): a response is only stored, and a claim only released, by the request holding the
-- current token, so a request stalled past its lease cannot commit once another took it over.
-- effect_key is the key's identity towards upstreams (sent as their Idempotency-Key): it is
-- recorded before the upstream call and survives takeovers and releases, so a retry repeats
-- the same upstream request instead of making a second one. A 5xx marks the key 'released'
-- (instead of deleting it) for the same reason.
ALTER TABLE idempotency_keys
  ADD COLUMN claim_token uuid NOT NULL DEFAULT gen_random_uuid(),
  ADD COLUMN effect_key  uuid NOT NULL DEFAULT gen_random_uuid(),
  DROP CONSTRAINT idempotency_keys_status_check,
  ADD CONSTRAINT idempotency_keys_status_check CHECK (status IN ('in_flight', 'done', 'released'));

-- The store inside an effect's transaction: raises when the claim was taken over (or already
-- answered), which aborts that transaction, so its effect never commits a second time. One
-- statement, so it can travel with COMMIT on a pipelined connection.
CREATE FUNCTION idempotency_store(p_scope text, p_key text, p_token uuid, p_code integer, p_body jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE idempotency_keys SET status = 'done', response_code = p_code, response_body = p_body
  WHERE scope = p_scope AND key = p_key AND claim_token = p_token AND status = 'in_flight';
  IF NOT FOUND THEN
    RAISE EXCEPTION 'idempotency claim on key % is no longer held by this request', p_key USING ERRCODE = 'BF409';
  END IF;
END
$$;

-- Down Migration
DROP FUNCTION idempotency_store(text, text, uuid, integer, jsonb);
DELETE FROM idempotency_keys WHERE status = 'released';
ALTER TABLE idempotency_keys
  DROP CONSTRAINT idempotency_keys_status_check,
  ADD CONSTRAINT idempotency_keys_status_check CHECK (status IN ('in_flight', 'done')),
  DROP COLUMN effect_key,
  DROP COLUMN claim_token;
