-- The bundled shop's *new* schema: the complete target catalog, with
-- `-- mig:` lines saying where each table's rows come from.

-- Renamed table (mig:from), renamed columns (mig:set id = CustomerId), a
-- computed column and a normalised one; phone is copied by name (SQLite
-- matches names case-insensitively: Phone).
-- mig:from Customer
-- mig:set id = CustomerId
-- mig:set full_name = FirstName || ' ' || LastName
-- mig:set email = lower(Email)
-- mig:set created_at = CreatedAt
-- How a revert window carries the new service's writes back:
-- mig:revert FirstName = substr(full_name, 1, instr(full_name, ' ') - 1)
-- mig:revert LastName = substr(full_name, instr(full_name, ' ') + 1)
-- mig:revert Email = email
CREATE TABLE customer (
  id         INTEGER PRIMARY KEY,
  full_name  TEXT NOT NULL,
  email      TEXT NOT NULL,
  phone      TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX customer_email ON customer(email);

-- Renumbered: the old text key becomes a column and rows get a new
-- surrogate id; references to it (order_line.product_id) are translated.
-- mig:from Product
-- mig:set price_cents = CAST(round(Price * 100) AS INTEGER)
-- mig:revert Price = price_cents / 100.0
CREATE TABLE product (
  id          INTEGER PRIMARY KEY,
  code        TEXT NOT NULL UNIQUE,
  title       TEXT NOT NULL,
  price_cents INTEGER NOT NULL,
  stock       INTEGER NOT NULL DEFAULT 0
);

-- mig:from Orders
-- mig:set id = OrderId
-- mig:set customer_id = CustomerId
-- mig:set placed_at = PlacedAt
CREATE TABLE orders (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id INTEGER NOT NULL REFERENCES customer(id),
  placed_at   TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'open'
);
CREATE INDEX orders_customer ON orders(customer_id);

-- mig:from OrderLine
-- mig:set order_id = OrderId
-- mig:set line_no = LineNo
-- mig:set product_id = ProductCode
-- mig:set price_cents = CAST(round(Price * 100) AS INTEGER)
-- mig:revert Price = price_cents / 100.0
CREATE TABLE order_line (
  order_id    INTEGER NOT NULL REFERENCES orders(id),
  line_no     INTEGER NOT NULL,
  product_id  INTEGER NOT NULL REFERENCES product(id),
  qty         INTEGER NOT NULL,
  price_cents INTEGER NOT NULL,
  PRIMARY KEY (order_id, line_no)
) WITHOUT ROWID;

CREATE VIEW order_total AS
  SELECT order_id, sum(qty * price_cents) AS total_cents FROM order_line GROUP BY order_id;
