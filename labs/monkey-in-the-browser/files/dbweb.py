#!/usr/bin/env python3
"""dbweb: a small web UI to browse an SQLite database (Chaos Lab, "Monkey in the browser" lab).

A stand-in for pgweb: the same URL shapes (api/tables, api/tables/<t>, .../info, .../rows,
POST api/query), JSON answers, and a single-page front end in static/. Python standard library
only. The database is opened read-only: the query box can look, not change.

    dbweb.py --db booktown.db --static static/ [--listen 127.0.0.1] [--port 8081]
    dbweb.py --init booktown.sql --db booktown.db     # (re)build the database and exit
"""
import argparse
import json
import mimetypes
import os
import sqlite3
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

MAX_QUERY_ROWS = 500


class ApiError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def connect(path):
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)


def table_names(db):
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [name for (name,) in rows]


def quoted(db, table):
    # Only names that exist are ever put into SQL, quoted as identifiers.
    if table not in table_names(db):
        raise ApiError(404, f'There is no table "{table}".')
    return '"' + table.replace('"', '""') + '"'


def columns_of(db, table):
    return [
        {"name": name, "type": kind or "", "nullable": not notnull, "primaryKey": bool(pk), "default": default}
        for (_cid, name, kind, notnull, default, pk) in db.execute(f"PRAGMA table_info({quoted(db, table)})")
    ]


def api(db, method, parts, query, body):
    if method == "GET" and parts == ["status"]:
        return {"database": os.path.basename(Handler.db_path), "tables": len(table_names(db)), "time": time.strftime("%H:%M:%S")}
    if method == "GET" and parts == ["tables"]:
        return [{"name": t, "rows": db.execute(f"SELECT count(*) FROM {quoted(db, t)}").fetchone()[0]} for t in table_names(db)]
    if method == "GET" and len(parts) == 2 and parts[0] == "tables":
        return {"table": parts[1], "columns": columns_of(db, parts[1])}
    if method == "GET" and len(parts) == 3 and parts[0] == "tables" and parts[2] == "info":
        table = parts[1]
        rows = db.execute(f"SELECT count(*) FROM {quoted(db, table)}").fetchone()[0]
        indexes = [name for (_seq, name, *_rest) in db.execute(f"PRAGMA index_list({quoted(db, table)})")]
        return {"table": table, "rows": rows, "columns": len(columns_of(db, table)), "indexes": indexes}
    if method == "GET" and len(parts) == 3 and parts[0] == "tables" and parts[2] == "rows":
        table = parts[1]
        limit = min(int(query.get("limit", ["50"])[0]), MAX_QUERY_ROWS)
        offset = max(int(query.get("offset", ["0"])[0]), 0)
        cursor = db.execute(f"SELECT * FROM {quoted(db, table)} LIMIT ? OFFSET ?", (limit, offset))
        return {"table": table, "columns": [c[0] for c in cursor.description], "rows": cursor.fetchall(), "offset": offset}
    if method == "POST" and parts == ["query"]:
        try:
            sql = json.loads(body or b"{}").get("sql", "")
        except (ValueError, AttributeError):
            raise ApiError(400, "The request body must be JSON like {\"sql\": \"SELECT ...\"}.")
        if not isinstance(sql, str) or not sql.strip():
            raise ApiError(400, "Type a query first.")
        try:
            cursor = db.execute(sql)
            rows = cursor.fetchmany(MAX_QUERY_ROWS)
        except sqlite3.Error as err:
            raise ApiError(400, f"ERROR: {err}")
        return {"columns": [c[0] for c in cursor.description or []], "rows": rows}
    raise ApiError(404, "No such API endpoint.")


class Handler(BaseHTTPRequestHandler):
    server_version = "dbweb/1.0"
    db_path = ""
    static_dir = ""

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def route(self):
        started = time.monotonic()
        url = urlsplit(self.path)
        path = unquote(url.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            if path.startswith("/api/"):
                with connect(self.db_path) as db:
                    reply = api(db, self.command, [p for p in path[len("/api/"):].split("/") if p], parse_qs(url.query), body)
                self.send(200, json.dumps(reply).encode(), "application/json")
            elif self.command == "GET":
                self.send_static("index.html" if path == "/" else path.lstrip("/"))
            else:
                raise ApiError(405, "Method not allowed.")
        except ApiError as err:
            self.send(err.status, json.dumps({"error": str(err)}).encode(), "application/json")
        except (sqlite3.Error, ValueError) as err:
            self.send(500, json.dumps({"error": f"Server error: {err}"}).encode(), "application/json")
        self.took = (time.monotonic() - started) * 1000

    def send_static(self, name):
        root = os.path.realpath(self.static_dir)
        name = name[len("static/"):] if name.startswith("static/") else name
        file = os.path.realpath(os.path.join(root, name))
        if not file.startswith(root + os.sep) or not os.path.isfile(file):
            raise ApiError(404, "Not found.")
        with open(file, "rb") as handle:
            data = handle.read()
        kind = mimetypes.guess_type(file)[0] or "application/octet-stream"
        self.send(200, data, kind + ("; charset=utf-8" if kind.startswith("text/") or kind.endswith("javascript") else ""))

    def send(self, status, data, kind):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        # Edits to the front end show on the next reload.
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_request(self, code="-", size="-"):
        # One line per request, to the journal: arrival time, method, path, status.
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} {self.command} {self.path} {code}\n")


def main():
    parser = argparse.ArgumentParser(description="Browse an SQLite database in the browser.")
    parser.add_argument("--db", required=True)
    parser.add_argument("--static", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "static"))
    parser.add_argument("--listen", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--init", metavar="SQL_FILE", help="build the database from this SQL file, then exit")
    args = parser.parse_args()
    if args.init:
        temp = args.db + ".new"
        if os.path.exists(temp):
            os.remove(temp)
        with sqlite3.connect(temp) as db, open(args.init, encoding="utf-8") as sql:
            db.executescript(sql.read())
        os.chmod(temp, 0o644)
        os.replace(temp, args.db)
        return
    if not os.path.isfile(args.db):
        sys.exit(f"dbweb: no database at {args.db}; build it with --init")
    Handler.db_path = args.db
    Handler.static_dir = args.static
    server = ThreadingHTTPServer((args.listen, args.port), Handler)
    server.daemon_threads = True
    host, port = server.server_address[:2]
    sys.stderr.write(f"dbweb: serving {args.db} on http://{host}:{port}/\n")
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
