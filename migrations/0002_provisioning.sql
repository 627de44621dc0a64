-- Deleted records leave a tombstone with their last version, so that a late
-- (stale) upsert of the same id can never bring them back.
CREATE TABLE tombstones (
  kind         TEXT NOT NULL,   -- admin path segment, e.g. installed-items
  id           TEXT NOT NULL,
  organisation TEXT,            -- unknown when the record never existed here
  version      INTEGER NOT NULL,
  PRIMARY KEY (kind, id)
);
