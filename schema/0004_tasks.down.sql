-- Drops tasks, lists, dependencies, time and focus sessions: their data is lost.
DROP TABLE focus_sessions;
DROP TABLE time_sessions;
DROP TABLE task_dependencies;
DROP TABLE tasks;
DROP TABLE task_lists;
