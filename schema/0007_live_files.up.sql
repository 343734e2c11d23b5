-- A deleted file keeps its row (status 'deleted': its last hash and path still
-- answer files.get and explain the changelog), so a tree where files come and
-- go piles them up: 24,000 after the soak run's 10 minutes. These partial
-- indexes keep the hot reads on live rows: files.list's default page and the
-- index worker's list of text files.
CREATE INDEX files_live_by_path ON files(path) WHERE status != 'deleted';
CREATE INDEX files_indexable ON files(id, gen) WHERE type = 'file' AND status = 'ok' AND is_text = 1;
