<?php
// Chaos Lab, "Slow database link" lab: the front page of a tiny shop, built from MariaDB.
//
//   /                  6 categories: 1 query for the shop name, 1 for the categories, 1 per
//                      category for its products (the classic "N+1 queries" page): 8 queries
//   /?categories=N     the same with N categories (1..8): N + 2 queries
//   /?categories=N&join=1   the same page from 3 queries, whatever N (products come from one JOIN)
//
// It connects to 127.0.0.1 on port 3306, so every query crosses TCP on the loopback interface.
// ("localhost" would make mysqli use the Unix socket, and a delay on port 3306 would miss it.)
// Response headers say how many queries a page took and over which link.
declare(strict_types=1);

const DB_HOST = '127.0.0.1';
const DB_PORT = 3306;
const DB_USER = 'shop';
const DB_PASS = 'chaos-shop';
const DB_NAME = 'chaos_shop';

$started = hrtime(true);
$categoryCount = max(1, min(8, (int) ($_GET['categories'] ?? 6)));
$useJoin = ($_GET['join'] ?? '') === '1';
$queries = 0;

// One line per request in the shop's request log (status, time, queries), like a real app's:
// Chaos Lab's live charts read it. Written at shutdown, so error pages are counted too.
register_shutdown_function(static function () use ($started, &$queries): void {
    $line = sprintf("status=%d ms=%.1f queries=%d\n", http_response_code() ?: 200, (hrtime(true) - $started) / 1e6, $queries);
    @file_put_contents(__DIR__ . '/../log/requests.log', $line, FILE_APPEND | LOCK_EX);
});

mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
try {
    $db = new mysqli(DB_HOST, DB_USER, DB_PASS, DB_NAME, DB_PORT);
} catch (mysqli_sql_exception $e) {
    http_response_code(503);
    header('Content-Type: text/plain; charset=utf-8');
    echo 'The shop cannot reach its database: ', $e->getMessage(), "\n";
    exit;
}

/** One query, one round trip to the database (plain queries: a prepared statement costs two). */
function rows(mysqli $db, string $sql, int &$queries): array
{
    $queries++;
    return $db->query($sql)->fetch_all(MYSQLI_ASSOC);
}

$shopName = rows($db, "SELECT v FROM settings WHERE k = 'shop_name'", $queries)[0]['v'] ?? 'Shop';
$categories = rows($db, 'SELECT id, name FROM categories ORDER BY position LIMIT ' . $categoryCount, $queries);
$products = [];
if ($useJoin) {
    $sql = 'SELECT p.category_id, p.name, p.price_cents FROM products p'
        . ' JOIN (SELECT id, position FROM categories ORDER BY position LIMIT ' . $categoryCount . ') c'
        . ' ON p.category_id = c.id ORDER BY c.position, p.name';
    foreach (rows($db, $sql, $queries) as $row) {
        $products[(int) $row['category_id']][] = $row;
    }
} else {
    foreach ($categories as $category) {
        $products[(int) $category['id']] = rows($db, 'SELECT name, price_cents FROM products WHERE category_id = '
            . (int) $category['id'] . ' ORDER BY name', $queries);
    }
}
$link = $db->host_info;
$db->close();

$ms = (hrtime(true) - $started) / 1e6;
header('Content-Type: text/html; charset=utf-8');
header('X-DB-Queries: ' . $queries);
header('X-DB-Link: ' . $link);
header(sprintf('Server-Timing: page;dur=%.1f', $ms));

$h = static fn (string $text): string => htmlspecialchars($text, ENT_QUOTES | ENT_HTML5, 'UTF-8');
?>
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title><?= $h($shopName) ?></title></head>
<body>
<h1><?= $h($shopName) ?></h1>
<?php foreach ($categories as $category): ?>
<h2><?= $h($category['name']) ?></h2>
<ul>
<?php foreach ($products[(int) $category['id']] ?? [] as $product): ?>
  <li><?= $h($product['name']) ?> — <?= sprintf('%.2f', ((int) $product['price_cents']) / 100) ?> €</li>
<?php endforeach ?>
</ul>
<?php endforeach ?>
<p><small><?= $queries ?> queries to <?= $h($link) ?>, page built in <?= sprintf('%.1f', $ms) ?> ms</small></p>
</body>
</html>
