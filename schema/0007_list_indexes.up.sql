-- Indexes for list reads whose tables only grow, found by the soak run (the
-- handler time of each grew with its table until these were added).
--
-- A deleted file keeps its row (status 'deleted': its last hash and path still
-- answer files.get and explain the changelog), so a tree where files come and
-- go piles them up: 24,000 after the soak run's 10 minutes. These partial
-- indexes keep files.list's default page and the index worker's list of text
-- files on the live rows.
CREATE INDEX files_live_by_path ON files(path) WHERE status != 'deleted';
CREATE INDEX files_indexable ON files(id, gen) WHERE type = 'file' AND status = 'ok' AND is_text = 1;
-- reviews.list and notifications.list without a filter: newest first.
CREATE INDEX reviews_by_created ON reviews(created_at);
CREATE INDEX notifications_by_created ON notifications(created_at);
