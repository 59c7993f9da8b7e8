-- The bundled shop's *old* schema: what the service runs on today.
-- `shop seed` creates a database from it (in WAL mode) and fills it.
CREATE TABLE Customer (
  CustomerId INTEGER PRIMARY KEY,
  FirstName  TEXT NOT NULL,
  LastName   TEXT NOT NULL,
  Email      TEXT NOT NULL UNIQUE,
  Phone      TEXT,
  CreatedAt  TEXT NOT NULL
);
CREATE TABLE Product (
  Code  TEXT PRIMARY KEY,
  Title TEXT NOT NULL,
  Price REAL NOT NULL,
  Stock INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE Orders (
  OrderId    INTEGER PRIMARY KEY AUTOINCREMENT,
  CustomerId INTEGER NOT NULL REFERENCES Customer(CustomerId),
  PlacedAt   TEXT NOT NULL,
  Status     TEXT NOT NULL DEFAULT 'open'
);
CREATE INDEX Orders_Customer ON Orders(CustomerId);
CREATE TABLE OrderLine (
  OrderId     INTEGER NOT NULL REFERENCES Orders(OrderId),
  LineNo      INTEGER NOT NULL,
  ProductCode TEXT NOT NULL REFERENCES Product(Code),
  Qty         INTEGER NOT NULL,
  Price       REAL NOT NULL,
  PRIMARY KEY (OrderId, LineNo)
) WITHOUT ROWID;
