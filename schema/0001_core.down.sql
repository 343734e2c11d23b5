DROP TABLE prefs;
DROP TABLE changelog;
DROP TABLE meta;
