-- mig:from Customer
-- mig:set id = CustomerId
-- mig:set full_name = FirstName || ' ' || LastName
CREATE TABLE customer (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL);
CREATE INDEX c_name ON customer(full_name);
CREATE TRIGGER t AFTER INSERT ON customer BEGIN UPDATE customer SET full_name = CASE WHEN 1 THEN 2 END; END;
