-- Drops the search index; everything in it can be built again from the rows it indexes.
DROP TABLE index_meta;
DROP TABLE index_docs;
DROP TABLE chunks_tri;
DROP TABLE chunks_fts;
DROP TABLE chunks;
