DROP INDEX notifications_by_created;
DROP INDEX reviews_by_created;
DROP INDEX files_indexable;
DROP INDEX files_live_by_path;
