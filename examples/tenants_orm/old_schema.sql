CREATE TABLE accounts (
	id INTEGER NOT NULL, 
	name VARCHAR(120) NOT NULL, 
	email VARCHAR(200) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (email)
);
CREATE TABLE tags (
	id INTEGER NOT NULL, 
	name VARCHAR(60) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR(60) NOT NULL, 
	action VARCHAR(60) NOT NULL, 
	detail TEXT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE account_tags (
	account_id INTEGER NOT NULL, 
	tag_id INTEGER NOT NULL, 
	PRIMARY KEY (account_id, tag_id), 
	FOREIGN KEY(account_id) REFERENCES accounts (id), 
	FOREIGN KEY(tag_id) REFERENCES tags (id)
);
CREATE TABLE invoices (
	id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	number VARCHAR(40) NOT NULL, 
	total_cents INTEGER NOT NULL, 
	issued_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(account_id) REFERENCES accounts (id)
);
CREATE INDEX ix_invoices_account_id ON invoices (account_id);
CREATE TABLE settings (
	id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	"key" VARCHAR(60) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(account_id) REFERENCES accounts (id)
);
CREATE TABLE api_keys (
	id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	prefix VARCHAR(12) NOT NULL, 
	revoked BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(account_id) REFERENCES accounts (id)
);
CREATE TABLE invoice_lines (
	id INTEGER NOT NULL, 
	invoice_id INTEGER NOT NULL, 
	description TEXT NOT NULL, 
	quantity INTEGER NOT NULL, 
	unit_cents INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(invoice_id) REFERENCES invoices (id)
);
CREATE INDEX ix_invoice_lines_invoice_id ON invoice_lines (invoice_id);
