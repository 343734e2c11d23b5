-- Drops assistant memory: every session, message, knowledge item and link is lost.
DROP TABLE knowledge_relationships;
DROP TABLE knowledge_items;
DROP TABLE messages;
DROP TABLE sessions;
