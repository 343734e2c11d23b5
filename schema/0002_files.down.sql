DROP TABLE files;
DROP TABLE roots;
