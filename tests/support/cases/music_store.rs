//! A Chinook-like music store: PascalCase names renamed to snake_case,
//! NVARCHAR/NUMERIC declared types, a TEXT-declared duration cast to
//! INTEGER, a composite primary key on a rowid table becoming WITHOUT
//! ROWID, a composite foreign key, a text-keyed table renumbered onto a
//! surrogate key with its references translated, a dropped column, and a
//! view, a trigger and an audit table that exist only in the new schema
//! (the trigger must not fire while rows are copied or replayed).

use rand::rngs::StdRng;
use rand::Rng;
use rusqlite::Transaction;

use super::Case;
use crate::support::oracle::Oracle;

pub const CASE: Case = Case {
    old: OLD,
    new: NEW,
    accept_data_loss: true,
    workload,
    oracle: ORACLE,
};

const OLD: &str = "
PRAGMA journal_mode = WAL;
PRAGMA foreign_keys = OFF;
CREATE TABLE Artist (ArtistId INTEGER PRIMARY KEY, Name NVARCHAR(120));
CREATE TABLE Album (AlbumId INTEGER PRIMARY KEY, Title NVARCHAR(160) NOT NULL, ArtistId INTEGER NOT NULL REFERENCES Artist(ArtistId));
CREATE TABLE Genre (GenreId INTEGER PRIMARY KEY, Name NVARCHAR(120));
CREATE TABLE Track (TrackId INTEGER PRIMARY KEY, Name NVARCHAR(200) NOT NULL, AlbumId INTEGER REFERENCES Album(AlbumId),
  GenreId INTEGER REFERENCES Genre(GenreId), Composer NVARCHAR(220), Milliseconds TEXT NOT NULL, Bytes INTEGER, UnitPrice NUMERIC(10,2) NOT NULL);
CREATE INDEX IFK_TrackAlbumId ON Track (AlbumId);
CREATE TABLE Playlist (PlaylistId INTEGER PRIMARY KEY, Name NVARCHAR(120));
CREATE TABLE PlaylistTrack (PlaylistId INTEGER NOT NULL REFERENCES Playlist(PlaylistId), TrackId INTEGER NOT NULL REFERENCES Track(TrackId),
  Position INTEGER, PRIMARY KEY (PlaylistId, TrackId));
CREATE TABLE Country (Code TEXT PRIMARY KEY, Name TEXT NOT NULL);
CREATE TABLE Customer (CustomerId INTEGER PRIMARY KEY, FirstName NVARCHAR(40) NOT NULL, LastName NVARCHAR(20) NOT NULL,
  Email NVARCHAR(60) NOT NULL, Fax NVARCHAR(24), CountryCode TEXT REFERENCES Country(Code));
CREATE TABLE Invoice (InvoiceId INTEGER PRIMARY KEY, CustomerId INTEGER NOT NULL REFERENCES Customer(CustomerId),
  InvoiceDate DATETIME NOT NULL, Total NUMERIC(10,2));
CREATE TABLE InvoiceLine (InvoiceId INTEGER NOT NULL REFERENCES Invoice(InvoiceId), LineNo INTEGER NOT NULL,
  TrackId INTEGER NOT NULL REFERENCES Track(TrackId), UnitPrice NUMERIC(10,2) NOT NULL, Quantity INTEGER NOT NULL,
  PRIMARY KEY (InvoiceId, LineNo)) WITHOUT ROWID;
CREATE TABLE Refund (RefundId INTEGER PRIMARY KEY, InvoiceId INTEGER NOT NULL, LineNo INTEGER NOT NULL, Reason TEXT,
  FOREIGN KEY (InvoiceId, LineNo) REFERENCES InvoiceLine(InvoiceId, LineNo));

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
INSERT INTO Artist SELECT i, 'Artist ' || i || CASE i % 3 WHEN 0 THEN ' & Friends' WHEN 1 THEN ' — Ø' ELSE '' END FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
INSERT INTO Album SELECT i, 'Album «' || i || '»', 1 + i % 40 FROM n;
INSERT INTO Genre VALUES (1, 'Rock'), (2, 'Jazz'), (3, 'Metal'), (4, 'Alternative & Punk'), (5, 'Bossa Nova'), (6, 'Música'), (7, NULL), (8, 'Classical');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
INSERT INTO Track SELECT i, 'Track ' || i, 1 + i % 100, CASE WHEN i % 17 = 0 THEN NULL ELSE 1 + i % 8 END,
  CASE WHEN i % 4 = 0 THEN NULL ELSE 'Composer ' || (i % 23) END, CAST(180000 + i * 37 AS TEXT), 3000000 + i * 1000,
  CASE WHEN i % 5 = 0 THEN 1.99 ELSE 0.99 END FROM n;
INSERT INTO Playlist VALUES (1, 'Music'), (2, 'Movies'), (3, '90’s Music'), (4, 'Audiobooks'), (5, NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 800)
INSERT OR IGNORE INTO PlaylistTrack SELECT 1 + i % 5, 1 + (i * 7) % 600, i FROM n;
INSERT INTO Country VALUES ('US', 'United States'), ('DE', 'Germany'), ('FR', 'France'), ('JP', '日本'), ('BR', 'Brasil'), ('IS', 'Ísland');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)
INSERT INTO Customer SELECT i, 'First' || i, 'Lást' || i, 'Customer' || i || '@Example.COM',
  CASE WHEN i % 3 = 0 THEN '+1 555 0' || i ELSE NULL END,
  CASE i % 7 WHEN 0 THEN NULL WHEN 1 THEN 'US' WHEN 2 THEN 'DE' WHEN 3 THEN 'FR' WHEN 4 THEN 'JP' WHEN 5 THEN 'BR' ELSE 'IS' END FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO Invoice SELECT i, 1 + i % 150, datetime('2009-01-01', '+' || i || ' days'), round(i * 0.37, 2) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 700)
INSERT INTO InvoiceLine SELECT 1 + i % 300, i, 1 + (i * 13) % 600, 0.99, 1 + i % 3 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30)
INSERT INTO Refund SELECT i, 1 + (i * 10) % 300, i * 10, CASE WHEN i % 2 = 0 THEN 'scratched' END FROM n;
";

const NEW: &str = "
-- mig:from Artist
-- mig:set id = ArtistId
CREATE TABLE artist (id INTEGER PRIMARY KEY, name TEXT);

-- mig:from Album
-- mig:set id = AlbumId
-- mig:set artist_id = ArtistId
CREATE TABLE album (id INTEGER PRIMARY KEY, title TEXT NOT NULL, artist_id INTEGER NOT NULL REFERENCES artist(id));

-- mig:from Genre
-- mig:set id = GenreId
CREATE TABLE genre (id INTEGER PRIMARY KEY, name TEXT);

-- mig:from Track
-- mig:set id = TrackId
-- mig:set album_id = AlbumId
-- mig:set genre_id = GenreId
-- mig:set duration_ms = CAST(Milliseconds AS INTEGER)
-- mig:set price_cents = CAST(round(UnitPrice * 100) AS INTEGER)
CREATE TABLE track (id INTEGER PRIMARY KEY, name TEXT NOT NULL, album_id INTEGER REFERENCES album(id),
  genre_id INTEGER REFERENCES genre(id), composer TEXT, duration_ms INTEGER NOT NULL, bytes INTEGER, price_cents INTEGER NOT NULL);
CREATE INDEX track_album ON track(album_id);

-- mig:from Playlist
-- mig:set id = PlaylistId
CREATE TABLE playlist (id INTEGER PRIMARY KEY, name TEXT);

-- mig:from PlaylistTrack
-- mig:set playlist_id = PlaylistId
-- mig:set track_id = TrackId
CREATE TABLE playlist_track (playlist_id INTEGER NOT NULL REFERENCES playlist(id), track_id INTEGER NOT NULL REFERENCES track(id),
  position INTEGER, PRIMARY KEY (playlist_id, track_id)) WITHOUT ROWID;

-- mig:from Country
CREATE TABLE country (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL);

-- mig:from Customer
-- mig:set id = CustomerId
-- mig:set full_name = FirstName || ' ' || LastName
-- mig:set email = lower(Email)
-- mig:set country_id = CountryCode
CREATE TABLE customer (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, email TEXT NOT NULL, country_id INTEGER REFERENCES country(id));

-- mig:from Invoice
-- mig:set id = InvoiceId
-- mig:set customer_id = CustomerId
-- mig:set issued_on = date(InvoiceDate)
-- mig:set total_cents = CAST(round(Total * 100) AS INTEGER)
CREATE TABLE invoice (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id), issued_on TEXT NOT NULL, total_cents INTEGER);

-- mig:from InvoiceLine
-- mig:set invoice_id = InvoiceId
-- mig:set line_no = LineNo
-- mig:set track_id = TrackId
-- mig:set price_cents = CAST(round(UnitPrice * 100) AS INTEGER)
CREATE TABLE invoice_line (invoice_id INTEGER NOT NULL REFERENCES invoice(id), line_no INTEGER NOT NULL,
  track_id INTEGER NOT NULL REFERENCES track(id), price_cents INTEGER NOT NULL, quantity INTEGER NOT NULL,
  PRIMARY KEY (invoice_id, line_no)) WITHOUT ROWID;

-- mig:from Refund
-- mig:set id = RefundId
-- mig:set invoice_id = InvoiceId
-- mig:set line_no = LineNo
CREATE TABLE refund (id INTEGER PRIMARY KEY, invoice_id INTEGER NOT NULL, line_no INTEGER NOT NULL, reason TEXT,
  FOREIGN KEY (invoice_id, line_no) REFERENCES invoice_line(invoice_id, line_no));

CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, what TEXT NOT NULL);
CREATE TRIGGER track_price_audit AFTER UPDATE OF price_cents ON track
BEGIN
  INSERT INTO audit(at, what) VALUES (datetime('now'), 'price of ' || NEW.id);
END;
CREATE VIEW album_length AS SELECT album_id, sum(duration_ms) AS ms FROM track GROUP BY album_id;
";

const ORACLE: Oracle<'static> = Oracle {
    transform: "
CREATE TABLE artist (id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO artist SELECT ArtistId, Name FROM old.Artist;
CREATE TABLE album (id INTEGER PRIMARY KEY, title TEXT, artist_id INTEGER);
INSERT INTO album SELECT AlbumId, Title, ArtistId FROM old.Album;
CREATE TABLE genre (id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO genre SELECT GenreId, Name FROM old.Genre;
CREATE TABLE track (id INTEGER PRIMARY KEY, name TEXT, album_id INTEGER, genre_id INTEGER, composer TEXT, duration_ms INTEGER, bytes INTEGER, price_cents INTEGER);
INSERT INTO track SELECT TrackId, Name, AlbumId, GenreId, Composer, CAST(Milliseconds AS INTEGER), Bytes, CAST(round(UnitPrice * 100) AS INTEGER) FROM old.Track;
CREATE TABLE playlist (id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO playlist SELECT PlaylistId, Name FROM old.Playlist;
CREATE TABLE playlist_track (playlist_id INTEGER, track_id INTEGER, position INTEGER);
INSERT INTO playlist_track SELECT PlaylistId, TrackId, Position FROM old.PlaylistTrack;
CREATE TABLE country (code TEXT, name TEXT);
INSERT INTO country SELECT Code, Name FROM old.Country;
CREATE TABLE customer (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, country TEXT);
INSERT INTO customer SELECT CustomerId, FirstName || ' ' || LastName, lower(Email),
  CASE WHEN CountryCode IS NULL THEN NULL WHEN CountryCode IN (SELECT Code FROM old.Country) THEN CountryCode ELSE '<dangling>' END
  FROM old.Customer;
CREATE TABLE invoice (id INTEGER PRIMARY KEY, customer_id INTEGER, issued_on TEXT, total_cents INTEGER);
INSERT INTO invoice SELECT InvoiceId, CustomerId, date(InvoiceDate), CAST(round(Total * 100) AS INTEGER) FROM old.Invoice;
CREATE TABLE invoice_line (invoice_id INTEGER, line_no INTEGER, track_id INTEGER, price_cents INTEGER, quantity INTEGER);
INSERT INTO invoice_line SELECT InvoiceId, LineNo, TrackId, CAST(round(UnitPrice * 100) AS INTEGER), Quantity FROM old.InvoiceLine;
CREATE TABLE refund (id INTEGER PRIMARY KEY, invoice_id INTEGER, line_no INTEGER, reason TEXT);
INSERT INTO refund SELECT RefundId, InvoiceId, LineNo, Reason FROM old.Refund;",
    checks: &[
        ("SELECT quote(id), quote(name) FROM main.artist ORDER BY id", "SELECT quote(id), quote(name) FROM new.artist ORDER BY id"),
        ("SELECT quote(id), quote(title), quote(artist_id) FROM main.album ORDER BY id", "SELECT quote(id), quote(title), quote(artist_id) FROM new.album ORDER BY id"),
        ("SELECT quote(id), quote(name) FROM main.genre ORDER BY id", "SELECT quote(id), quote(name) FROM new.genre ORDER BY id"),
        (
            "SELECT quote(id), quote(name), quote(album_id), quote(genre_id), quote(composer), quote(duration_ms), quote(bytes), quote(price_cents) FROM main.track ORDER BY id",
            "SELECT quote(id), quote(name), quote(album_id), quote(genre_id), quote(composer), quote(duration_ms), quote(bytes), quote(price_cents) FROM new.track ORDER BY id",
        ),
        ("SELECT quote(id), quote(name) FROM main.playlist ORDER BY id", "SELECT quote(id), quote(name) FROM new.playlist ORDER BY id"),
        (
            "SELECT quote(playlist_id), quote(track_id), quote(position) FROM main.playlist_track ORDER BY 1, 2",
            "SELECT quote(playlist_id), quote(track_id), quote(position) FROM new.playlist_track ORDER BY 1, 2",
        ),
        ("SELECT quote(code), quote(name) FROM main.country ORDER BY code", "SELECT quote(code), quote(name) FROM new.country ORDER BY code"),
        (
            "SELECT quote(id), quote(full_name), quote(email), quote(country) FROM main.customer ORDER BY id",
            "SELECT quote(cu.id), quote(cu.full_name), quote(cu.email), quote(CASE WHEN cu.country_id IS NULL THEN NULL WHEN co.id IS NULL THEN '<dangling>' ELSE co.code END) \
             FROM new.customer cu LEFT JOIN new.country co ON co.id = cu.country_id ORDER BY cu.id",
        ),
        (
            "SELECT quote(id), quote(customer_id), quote(issued_on), quote(total_cents) FROM main.invoice ORDER BY id",
            "SELECT quote(id), quote(customer_id), quote(issued_on), quote(total_cents) FROM new.invoice ORDER BY id",
        ),
        (
            "SELECT quote(invoice_id), quote(line_no), quote(track_id), quote(price_cents), quote(quantity) FROM main.invoice_line ORDER BY 1, 2",
            "SELECT quote(invoice_id), quote(line_no), quote(track_id), quote(price_cents), quote(quantity) FROM new.invoice_line ORDER BY 1, 2",
        ),
        (
            "SELECT quote(id), quote(invoice_id), quote(line_no), quote(reason) FROM main.refund ORDER BY id",
            "SELECT quote(id), quote(invoice_id), quote(line_no), quote(reason) FROM new.refund ORDER BY id",
        ),
        // The new schema's trigger never fired for copied or replayed rows.
        ("SELECT '0'", "SELECT quote(count(*)) FROM new.audit"),
        // ... but it is there for the new service.
        ("SELECT 'track_price_audit'", "SELECT name FROM new.sqlite_schema WHERE type = 'trigger' AND name NOT LIKE '\\_mig\\_%' ESCAPE '\\'"),
    ],
};

/// A store's day: sales with lines, price changes, playlist edits (moves
/// between playlists change a composite key), a country code renamed with
/// its customers, refunds, deleted invoices and tracks.
fn workload(tx: &Transaction<'_>, rng: &mut StdRng) -> rusqlite::Result<()> {
    let track = rng.random_range(1..=620);
    match rng.random_range(0..9) {
        0 | 1 => {
            let customer = rng.random_range(1..=160);
            tx.execute(
                "INSERT INTO Invoice(CustomerId, InvoiceDate, Total) VALUES (?1, datetime('now'), 0)",
                [customer],
            )?;
            let invoice = tx.last_insert_rowid();
            for line in 1..=rng.random_range(1..4) {
                tx.execute(
                    "INSERT INTO InvoiceLine SELECT ?1, ?2, TrackId, UnitPrice, ?3 FROM Track WHERE TrackId = ?4",
                    rusqlite::params![invoice, line, rng.random_range(1..3), track + line],
                )?;
            }
            tx.execute(
                "UPDATE Invoice SET Total = (SELECT sum(UnitPrice * Quantity) FROM InvoiceLine WHERE InvoiceId = ?1) WHERE InvoiceId = ?1",
                [invoice],
            )?;
        }
        2 => {
            tx.execute(
                "UPDATE Track SET UnitPrice = UnitPrice + 0.5 WHERE TrackId = ?1",
                [track],
            )?;
        }
        3 => {
            // Move a track to another playlist: the composite key changes.
            tx.execute(
                "UPDATE OR REPLACE PlaylistTrack SET PlaylistId = 1 + PlaylistId % 5 WHERE TrackId = ?1",
                [track],
            )?;
        }
        4 => {
            tx.execute(
                "INSERT OR REPLACE INTO PlaylistTrack VALUES (?1, ?2, ?3)",
                rusqlite::params![rng.random_range(1..=5), track, rng.random_range(0..100)],
            )?;
        }
        5 => {
            // Rename a country code and cascade by hand, as the app does.
            let (from, to) = match rng.random_range(0..3) {
                0 => ("DE", "GER"),
                1 => ("GER", "DE"),
                _ => ("IS", "ISL"),
            };
            tx.execute(
                "UPDATE OR IGNORE Country SET Code = ?2 WHERE Code = ?1",
                [from, to],
            )?;
            tx.execute(
                "UPDATE Customer SET CountryCode = ?2 WHERE CountryCode = ?1 AND EXISTS (SELECT 1 FROM Country WHERE Code = ?2)",
                [from, to],
            )?;
        }
        6 => {
            let invoice = rng.random_range(1..=320);
            tx.execute(
                "INSERT INTO Refund(InvoiceId, LineNo, Reason) SELECT InvoiceId, LineNo, 'wrong track' FROM InvoiceLine WHERE InvoiceId = ?1 LIMIT 1",
                [invoice],
            )?;
        }
        7 => {
            let invoice = rng.random_range(1..=320);
            tx.execute("DELETE FROM InvoiceLine WHERE InvoiceId = ?1", [invoice])?;
            tx.execute("DELETE FROM Invoice WHERE InvoiceId = ?1", [invoice])?;
        }
        _ => {
            tx.execute("DELETE FROM PlaylistTrack WHERE TrackId = ?1", [track])?;
            tx.execute("DELETE FROM Track WHERE TrackId = ?1", [track])?;
            tx.execute(
                "INSERT INTO Customer(FirstName, LastName, Email, CountryCode) VALUES ('Nëw', 'Customer', 'NEW@X.ORG', 'JP')",
                [],
            )?;
        }
    }
    Ok(())
}
