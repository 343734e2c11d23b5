DROP INDEX review_feedback_by_file;
ALTER TABLE review_feedback DROP COLUMN review_created_at;
CREATE INDEX review_feedback_by_file ON review_feedback(file);
