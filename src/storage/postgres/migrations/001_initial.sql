-- The PostgreSQL engine's schema, version 1. Applied once, under an advisory lock, by
-- src/storage/postgres/migrate.ts; later changes go in new numbered files, never here.
--
-- JSON is kept as text, not jsonb: jsonb reorders keys and rewrites numbers, and the
-- engine must give back the JSON it was given. What the indexes need is copied out into
-- plain columns in the same statement that writes the JSON.
--
-- No foreign keys on the per-task tables: a foreign key check takes a share lock on the
-- project row for every inserted task, which costs an import more than it protects (the
-- engine is the only writer, and it deletes a project's rows itself).

CREATE TABLE projects (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  settings text NOT NULL,          -- config.json, as JSON text
  label_config text NOT NULL,      -- config.xml
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Counts kept in the write transactions, so counts() and the page split never count rows.
CREATE TABLE project_counts (
  project_id integer PRIMARY KEY,
  tasks bigint NOT NULL DEFAULT 0,
  completed bigint NOT NULL DEFAULT 0
);

CREATE TABLE tasks (
  project_id integer NOT NULL,
  id bigint NOT NULL,
  task text NOT NULL,                 -- the tasks.json entry, as JSON text
  file text,                          -- the completions file, as JSON text; null: none
  completed boolean GENERATED ALWAYS AS (file IS NOT NULL) STORED,
  done_at double precision,           -- last completion created_at; null: none or untimed
  cancelled integer,                  -- cancelled completions in the file; null without file
  max_completion_id bigint,           -- highest completion id in the file
  score double precision,             -- mean prediction score; null without predictions
  -- domain/dataHash.ts of data (import ?dedupe=1). Byte order ("C"): hashes are random, so
  -- every insert lands somewhere else in the index, and a locale's collation made that
  -- index most of an import's cost.
  data_hash text COLLATE "C" NOT NULL,
  rnd double precision NOT NULL DEFAULT random(),  -- a random key for uniform sampling
  -- The reservation next() made: on the task row, so that a second next() that locks the
  -- row re-reads it (FOR UPDATE re-checks an updated row) and never hands it out twice.
  -- Not indexed, so that reserving is a HOT update.
  reserved_by text,
  reserved_until timestamptz,
  PRIMARY KEY (project_id, id)
) WITH (fillfactor = 90);

-- Unlabeled tasks: next() sequential, and the tail of the completion orders.
CREATE INDEX tasks_unlabeled ON tasks (project_id, id) WHERE NOT completed;
-- Labeled tasks: completedIds(), export.
CREATE INDEX tasks_labeled ON tasks (project_id, id) WHERE completed;
-- The completion orders of the task list (unlabeled tasks follow from tasks_unlabeled).
CREATE INDEX tasks_completed_at ON tasks (project_id, done_at ASC NULLS LAST, id) WHERE completed;
CREATE INDEX tasks_completed_at_desc ON tasks (project_id, done_at DESC NULLS LAST, id) WHERE completed;
CREATE INDEX tasks_cancelled ON tasks (project_id, cancelled ASC, done_at DESC NULLS LAST, id) WHERE completed;
CREATE INDEX tasks_cancelled_desc ON tasks (project_id, cancelled DESC, done_at DESC NULLS LAST, id) WHERE completed;
-- next() by prediction score.
CREATE INDEX tasks_score ON tasks (project_id, score ASC, id) WHERE NOT completed AND score IS NOT NULL;
CREATE INDEX tasks_score_desc ON tasks (project_id, score DESC, id) WHERE NOT completed AND score IS NOT NULL;
-- next() uniform.
CREATE INDEX tasks_random ON tasks (project_id, rnd) WHERE NOT completed;
-- dataHashesPresent().
CREATE INDEX tasks_data_hash ON tasks (project_id, data_hash);

-- Which task each annotator was last handed (the live reservation itself is on the task row).
CREATE TABLE reservations (
  project_id integer NOT NULL,
  annotator text NOT NULL,
  task_id bigint NOT NULL,
  PRIMARY KEY (project_id, annotator)
);

-- The highest completion id a task has had, beyond its file: ids of deleted completions,
-- never given again (until deleteAllTasks starts the project over).
CREATE TABLE completion_marks (
  project_id integer NOT NULL,
  task_id bigint NOT NULL,
  mark bigint NOT NULL,
  PRIMARY KEY (project_id, task_id)
);

-- How many tasks have each data key (commonDataKeys: the keys every task has).
CREATE TABLE data_keys (
  project_id integer NOT NULL,
  key text NOT NULL,
  tasks bigint NOT NULL,
  PRIMARY KEY (project_id, key)
);

-- How often stored completions use each (from_name, to_name, type) and each label
-- (outputSchema); seq keeps the order they were first seen, as the folder engine does.
CREATE TABLE output_controls (
  project_id integer NOT NULL,
  from_name text NOT NULL,
  to_name text NOT NULL,
  type text NOT NULL,
  uses bigint NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (project_id, from_name, to_name, type)
);

CREATE TABLE output_labels (
  project_id integer NOT NULL,
  from_name text NOT NULL,
  type text NOT NULL,
  label text NOT NULL,
  uses bigint NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (project_id, from_name, type, label)
);

-- Uploaded files, in chunks so that neither a write nor a ranged read holds a whole file.
CREATE TABLE uploads (
  project_id integer NOT NULL,
  name text NOT NULL,
  size bigint NOT NULL,
  modified timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, name)
);

CREATE TABLE upload_chunks (
  project_id integer NOT NULL,
  name text NOT NULL,
  n integer NOT NULL,                 -- chunk number; every chunk but the last is full
  bytes bytea NOT NULL,
  PRIMARY KEY (project_id, name, n),
  FOREIGN KEY (project_id, name) REFERENCES uploads ON DELETE CASCADE
);
-- Media files rarely compress: store them as they are, and let substring() read a range
-- without decompressing.
ALTER TABLE upload_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL;
