-- Every server process follows this channel to keep its read cache exact (plugins/read-cache.ts):
-- the statement that writes outbox events also notifies their types and data, in the same
-- transaction, so a commit and its invalidation cannot be separated. A payload over NOTIFY's
-- limit (8000 bytes; a batch of go-live announcements can be) is sent as "*": forget everything.
CREATE FUNCTION "outbox_changes_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  payload TEXT;
BEGIN
  SELECT json_agg(json_build_object('type', e."type", 'data', e."data") ORDER BY e."position")::text
    INTO payload FROM "new_events" e;
  IF payload IS NULL THEN
    RETURN NULL;
  END IF;
  IF octet_length(payload) > 7900 THEN
    payload := '*';
  END IF;
  PERFORM pg_notify('broadsheet_changes', payload);
  RETURN NULL;
END
$$;

CREATE TRIGGER "outbox_events_changes" AFTER INSERT ON "outbox_events"
  REFERENCING NEW TABLE AS "new_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "outbox_changes_notify"();
