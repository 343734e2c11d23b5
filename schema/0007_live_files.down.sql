DROP INDEX files_indexable;
DROP INDEX files_live_by_path;
