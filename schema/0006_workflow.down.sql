-- Loses every approval, notification, run and review.
DROP TABLE review_feedback;
DROP TABLE reviews;
DROP TABLE runs;
DROP TABLE notifications;
DROP TABLE approvals;
