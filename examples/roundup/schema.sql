-- Roundup 2.6 (classic template, sqlite backend) at a new schema: _issue gains
-- _severity with a DEFAULT and a CHECK, a new index on (_status, __retired__),
-- issue__journal a CHECK, issue_superseder loses its linkid index, and a new
-- table issue_sla. The FTS5 table __fts is left to Roundup (ignore_tables).
CREATE TABLE schema (schema varchar);
CREATE TABLE ids (name varchar, num integer);
CREATE INDEX ids_name_idx on ids(name);
CREATE TABLE otks (otk_key varchar, otk_value varchar, otk_time integer);
CREATE INDEX otks_key_idx on otks(otk_key);
CREATE TABLE sessions (session_key varchar, session_time integer, session_value varchar);
CREATE INDEX sessions_key_idx on sessions(session_key);
CREATE TABLE __textids (_class varchar, _itemid varchar, _prop varchar, _textid integer primary key);
CREATE TABLE __words (_word varchar, _textid integer);
CREATE INDEX words_word_ids ON __words(_word);
CREATE INDEX words_by_id ON __words (_textid);
CREATE UNIQUE INDEX __textids_by_props ON __textids (_class, _itemid, _prop);
CREATE TABLE _priority (_activity VARCHAR(30),_actor INTEGER,_creation VARCHAR(30),_creator INTEGER,_name VARCHAR(255),_order REAL,id INTEGER PRIMARY KEY,__retired__ INTEGER DEFAULT 0);
CREATE INDEX _priority_retired_idx on _priority(__retired__);
CREATE INDEX _priority_name_idx on _priority(_name);
CREATE UNIQUE INDEX _priority_key_retired_idx
            on _priority(__retired__, _name);
CREATE TABLE priority__journal (
            nodeid integer, date VARCHAR(30), tag varchar(255),
            action varchar(255), params text);
CREATE INDEX priority_journ_idx on priority__journal(nodeid);
CREATE TABLE _status (_activity VARCHAR(30),_actor INTEGER,_creation VARCHAR(30),_creator INTEGER,_name VARCHAR(255),_order REAL,id INTEGER PRIMARY KEY,__retired__ INTEGER DEFAULT 0);
CREATE INDEX _status_retired_idx on _status(__retired__);
CREATE INDEX _status_name_idx on _status(_name);
CREATE UNIQUE INDEX _status_key_retired_idx
            on _status(__retired__, _name);
CREATE TABLE status__journal (
            nodeid integer, date VARCHAR(30), tag varchar(255),
            action varchar(255), params text);
CREATE INDEX status_journ_idx on status__journal(nodeid);
CREATE TABLE _keyword (_activity VARCHAR(30),_actor INTEGER,_creation VARCHAR(30),_creator INTEGER,_name VARCHAR(255),id INTEGER PRIMARY KEY,__retired__ INTEGER DEFAULT 0);
CREATE INDEX _keyword_retired_idx on _keyword(__retired__);
CREATE INDEX _keyword_name_idx on _keyword(_name);
CREATE UNIQUE INDEX _keyword_key_retired_idx
            on _keyword(__retired__, _name);
CREATE TABLE keyword__journal (
            nodeid integer, date VARCHAR(30), tag varchar(255),
            action varchar(255), params text);
CREATE INDEX keyword_journ_idx on keyword__journal(nodeid);
CREATE TABLE _query (_activity VARCHAR(30),_actor INTEGER,_creation VARCHAR(30),_creator INTEGER,_klass VARCHAR(255),_name VARCHAR(255),_private_for INTEGER,_url VARCHAR(255),id INTEGER PRIMARY KEY,__retired__ INTEGER DEFAULT 0);
CREATE INDEX _query_retired_idx on _query(__retired__);
CREATE TABLE query__journal (
            nodeid integer, date VARCHAR(30), tag varchar(255),
            action varchar(255), params text);
CREATE INDEX query_journ_idx on query__journal(nodeid);
CREATE TABLE _user (_activity VARCHAR(30),_actor INTEGER,_address VARCHAR(255),_alternate_addresses VARCHAR(255),_creation VARCHAR(30),_creator INTEGER,_organisation VARCHAR(255),_password VARCHAR(255),_phone VARCHAR(255),_realname VARCHAR(255),_roles VARCHAR(255),_timezone VARCHAR(255),_username VARCHAR(255),id INTEGER PRIMARY KEY,__retired__ INTEGER DEFAULT 0);
CREATE INDEX _user_retired_idx on _user(__retired__);
CREATE INDEX _user_username_idx on _user(_username);
CREATE UNIQUE INDEX _user_key_retired_idx
            on _user(__retired__, _username);
CREATE TABLE user__journal (
            nodeid integer, date VARCHAR(30), tag varchar(255),
            action varchar(255), params text);
CREATE INDEX user_journ_idx on user__journal(nodeid);
CREATE TABLE user_queries (linkid INTEGER, nodeid INTEGER);
CREATE INDEX user_queries_l_idx on user_queries(linkid);
CREATE INDEX user_queries_n_idx on user_queries(nodeid);
CREATE TABLE _msg (_activity VARCHAR(30),_actor INTEGER,_author INTEGER,_content VARCHAR(255),_creation VARCHAR(30),_creator INTEGER,_date VARCHAR(30),_inreplyto VARCHAR(255),_messageid VARCHAR(255),_summary VARCHAR(255),_type VARCHAR(255),id INTEGER PRIMARY KEY,__retired__ INTEGER DEFAULT 0);
CREATE INDEX _msg_retired_idx on _msg(__retired__);
CREATE TABLE msg__journal (
            nodeid integer, date VARCHAR(30), tag varchar(255),
            action varchar(255), params text);
CREATE INDEX msg_journ_idx on msg__journal(nodeid);
CREATE TABLE msg_recipients (linkid INTEGER, nodeid INTEGER);
CREATE INDEX msg_recipients_l_idx on msg_recipients(linkid);
CREATE INDEX msg_recipients_n_idx on msg_recipients(nodeid);
CREATE TABLE msg_files (linkid INTEGER, nodeid INTEGER);
CREATE INDEX msg_files_l_idx on msg_files(linkid);
CREATE INDEX msg_files_n_idx on msg_files(nodeid);
CREATE TABLE _file (_activity VARCHAR(30),_actor INTEGER,_content VARCHAR(255),_creation VARCHAR(30),_creator INTEGER,_name VARCHAR(255),_type VARCHAR(255),id INTEGER PRIMARY KEY,__retired__ INTEGER DEFAULT 0);
CREATE INDEX _file_retired_idx on _file(__retired__);
CREATE TABLE file__journal (
            nodeid integer, date VARCHAR(30), tag varchar(255),
            action varchar(255), params text);
CREATE INDEX file_journ_idx on file__journal(nodeid);
CREATE TABLE _issue (_activity VARCHAR(30),_actor INTEGER,_assignedto INTEGER,_creation VARCHAR(30),_creator INTEGER,_priority INTEGER,_status INTEGER,_title VARCHAR(255),id INTEGER PRIMARY KEY,__retired__ INTEGER DEFAULT 0,
  _severity VARCHAR(30) NOT NULL DEFAULT 'normal' CHECK (_severity IN ('low','normal','high')));
CREATE INDEX _issue_status_idx ON _issue(_status, __retired__);
CREATE INDEX _issue_retired_idx on _issue(__retired__);
CREATE TABLE issue__journal (
            nodeid integer CHECK (nodeid > 0), date VARCHAR(30), tag varchar(255),
            action varchar(255), params text);
CREATE INDEX issue_journ_idx on issue__journal(nodeid);
CREATE TABLE issue_keyword (linkid INTEGER, nodeid INTEGER);
CREATE INDEX issue_keyword_l_idx on issue_keyword(linkid);
CREATE INDEX issue_keyword_n_idx on issue_keyword(nodeid);
CREATE TABLE issue_messages (linkid INTEGER, nodeid INTEGER);
CREATE INDEX issue_messages_l_idx on issue_messages(linkid);
CREATE INDEX issue_messages_n_idx on issue_messages(nodeid);
CREATE TABLE issue_files (linkid INTEGER, nodeid INTEGER);
CREATE INDEX issue_files_l_idx on issue_files(linkid);
CREATE INDEX issue_files_n_idx on issue_files(nodeid);
CREATE TABLE issue_nosy (linkid INTEGER, nodeid INTEGER);
CREATE INDEX issue_nosy_l_idx on issue_nosy(linkid);
CREATE INDEX issue_nosy_n_idx on issue_nosy(nodeid);
CREATE TABLE issue_superseder (linkid INTEGER, nodeid INTEGER);
CREATE INDEX issue_superseder_n_idx on issue_superseder(nodeid);

-- service level: when an issue is due (a new feature's table)
CREATE TABLE issue_sla (issue INTEGER PRIMARY KEY REFERENCES _issue(id), due VARCHAR(30) NOT NULL);
