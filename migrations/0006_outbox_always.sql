-- Whether a waiting key must be rewritten wherever KV may hold it (1: a record
-- had its value before the write) or only corrected where this data centre's
-- KV shows it (0: a brand-new value). Rows from before this column are 1, the
-- safe side. Without it, every key an import left for later came back as a KV
-- write, though a bulk import of new records needs none.
ALTER TABLE kv_outbox ADD COLUMN always INTEGER NOT NULL DEFAULT 1;
