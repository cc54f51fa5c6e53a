-- The cloud source objects a sync has accounted for (store.ts sourceKeysSeen): the URI
-- (s3://bucket/key, gs://bucket/key) and the task made of it, or null for an object that
-- was refused. Written in the transaction that adds those tasks, so a sync costs only the
-- objects that are new, and two servers syncing one bucket never both add one object.
-- Byte order ("C"): keys are compared, never shown sorted by a locale.
CREATE TABLE cloud_source_keys (
  project_id integer NOT NULL,
  uri text COLLATE "C" NOT NULL,
  task_id bigint,
  PRIMARY KEY (project_id, uri)
);
