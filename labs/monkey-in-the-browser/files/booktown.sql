-- A small bookshop, written for Chaos Lab's "Monkey in the browser" lab (original sample data).
CREATE TABLE publishers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  city TEXT
);
CREATE TABLE authors (
  id INTEGER PRIMARY KEY,
  last_name TEXT NOT NULL,
  first_name TEXT
);
CREATE TABLE books (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  author_id INTEGER REFERENCES authors(id),
  publisher_id INTEGER REFERENCES publishers(id),
  year INTEGER
);
CREATE INDEX books_by_author ON books(author_id);
CREATE TABLE stock (
  book_id INTEGER PRIMARY KEY REFERENCES books(id),
  price_cents INTEGER NOT NULL,
  copies INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  city TEXT,
  joined TEXT
);

INSERT INTO publishers (id, name, city) VALUES
  (1, 'Lantern Press', 'Dublin'),
  (2, 'Red Kite Books', 'Leeds'),
  (3, 'Pebble & Quill', 'Lisbon'),
  (4, 'Northern Reach', 'Tromsø');

INSERT INTO authors (id, last_name, first_name) VALUES
  (1, 'Okafor', 'Adaeze'),
  (2, 'Lindqvist', 'Maja'),
  (3, 'Moreau', 'Julien'),
  (4, 'Tanaka', 'Ren'),
  (5, 'Silva', 'Beatriz'),
  (6, 'Novak', 'Tomas'),
  (7, 'Haddad', 'Leila'),
  (8, 'Brennan', 'Cormac');

INSERT INTO books (id, title, author_id, publisher_id, year) VALUES
  (1, 'The Lighthouse Ledger', 1, 1, 2011),
  (2, 'Salt Roads', 2, 4, 2015),
  (3, 'A Grammar of Rain', 3, 3, 2009),
  (4, 'Paper Cranes at Dusk', 4, 2, 2018),
  (5, 'The Cartographer''s Daughter', 5, 3, 2013),
  (6, 'Frost on the Tramlines', 6, 4, 2020),
  (7, 'Orchard of Small Hours', 7, 1, 2016),
  (8, 'The Slow Tide', 8, 1, 2007),
  (9, 'Harbour Lights, Again', 1, 2, 2019),
  (10, 'Notes from a Quiet Server', 4, 2, 2022),
  (11, 'When the Bridges Sang', 2, 4, 2012),
  (12, 'Inventory of Lost Umbrellas', 3, 3, 2021);

INSERT INTO stock (book_id, price_cents, copies) VALUES
  (1, 1450, 12), (2, 1899, 4), (3, 1200, 0), (4, 2150, 7), (5, 1675, 9), (6, 1999, 3),
  (7, 1525, 15), (8, 999, 21), (9, 1780, 2), (10, 2499, 6), (11, 1350, 0), (12, 1625, 8);

INSERT INTO customers (id, name, city, joined) VALUES
  (1, 'Aoife Kelly', 'Galway', '2019-03-02'),
  (2, 'Mateus Rocha', 'Porto', '2020-11-17'),
  (3, 'Ingrid Holm', 'Bergen', '2018-06-30'),
  (4, 'Samir Aziz', 'Marseille', '2021-01-09'),
  (5, 'Hana Sato', 'Osaka', '2022-08-21'),
  (6, 'Piotr Zielinski', 'Gdansk', '2017-12-05');
