-- Chaos Lab, "Slow database link" lab: the shop's database, loaded by the lab's setup as root.
-- Safe to load again: it recreates the tables and resets the account.
CREATE DATABASE IF NOT EXISTS chaos_shop CHARACTER SET utf8mb4;

-- The account exists only for TCP connections from 127.0.0.1: a client that slips onto the Unix
-- socket (host "localhost") is refused instead of silently bypassing the delay on port 3306.
CREATE USER IF NOT EXISTS 'shop'@'127.0.0.1' IDENTIFIED BY 'chaos-shop';
ALTER USER 'shop'@'127.0.0.1' IDENTIFIED BY 'chaos-shop';
GRANT SELECT ON chaos_shop.* TO 'shop'@'127.0.0.1';

USE chaos_shop;
DROP TABLE IF EXISTS products;
DROP TABLE IF EXISTS categories;
DROP TABLE IF EXISTS settings;

CREATE TABLE settings (
  k VARCHAR(64) PRIMARY KEY,
  v VARCHAR(255) NOT NULL
);
CREATE TABLE categories (
  id INT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  position INT NOT NULL
);
CREATE TABLE products (
  id INT AUTO_INCREMENT PRIMARY KEY,
  category_id INT NOT NULL,
  name VARCHAR(64) NOT NULL,
  price_cents INT NOT NULL,
  KEY (category_id),
  FOREIGN KEY (category_id) REFERENCES categories (id)
);

INSERT INTO settings VALUES ('shop_name', 'The Chaos Lab Corner Shop');
INSERT INTO categories VALUES
  (1, 'Coffee', 1), (2, 'Tea', 2), (3, 'Biscuits', 3), (4, 'Mugs', 4),
  (5, 'Kettles', 5), (6, 'Filters', 6), (7, 'Grinders', 7), (8, 'Gift cards', 8);
INSERT INTO products (category_id, name, price_cents) VALUES
  (1, 'House blend 250 g', 690), (1, 'Single origin 250 g', 940), (1, 'Decaf 250 g', 720),
  (2, 'Breakfast tea', 450), (2, 'Green tea', 520), (2, 'Rooibos', 480),
  (3, 'Shortbread', 300), (3, 'Ginger snaps', 280), (3, 'Oat cookies', 320),
  (4, 'Plain mug', 800), (4, 'Mug that says "it works on my machine"', 1200),
  (5, 'Stovetop kettle', 3500), (5, 'Electric kettle', 4200),
  (6, 'Paper filters (100)', 390), (6, 'Steel filter', 1900),
  (7, 'Hand grinder', 4500), (7, 'Burr grinder', 12900),
  (8, 'Gift card 10', 1000), (8, 'Gift card 25', 2500), (8, 'Gift card 50', 5000);
