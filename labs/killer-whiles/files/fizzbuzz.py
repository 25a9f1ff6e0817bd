#!/usr/bin/env python3
"""FizzBuzz as a Service: one instance of the API that sits behind the lab's nginx.

    GET /               which instance answered (name, port, PID)
    GET /fizzbuzz/<n>   the FizzBuzz answer for n

Run as: fizzbuzz.py --port 8001 --name a
Chaos Lab, "Killer whiles" lab. Standard library only.
"""
import argparse
import json
import os
import re
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NUMBER = re.compile(r"[0-9]{1,12}")


def fizzbuzz(n):
    if n % 15 == 0:
        return "FizzBuzz"
    if n % 3 == 0:
        return "Fizz"
    if n % 5 == 0:
        return "Buzz"
    return str(n)


class Handler(BaseHTTPRequestHandler):
    server_version = "FizzBuzz/0.0.7"
    instance = "?"
    port = 0

    def do_GET(self):
        parts = [p for p in self.path.split("?", 1)[0].split("/") if p]
        if not parts:
            self.reply(200, {"service": "fizzbuzz", "instance": self.instance, "port": self.port, "pid": os.getpid()})
        elif len(parts) == 2 and parts[0] == "fizzbuzz" and NUMBER.fullmatch(parts[1]):
            n = int(parts[1])
            self.reply(200, {"number": n, "answer": fizzbuzz(n), "instance": self.instance})
        else:
            self.reply(404, {"error": "no such endpoint", "try": "/fizzbuzz/15"})

    def reply(self, status, body):
        data = (json.dumps(body) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        # nginx keeps the access log; the journal keeps only starts and deaths.
        pass


def main():
    parser = argparse.ArgumentParser(description="One FizzBuzz API instance")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", default="?")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()

    Handler.instance = args.name
    Handler.port = args.port

    def on_sigterm(signum, frame):
        # The same line the book's logs show: 143 = 128 + 15 (SIGTERM).
        try:
            print(f"FizzBuzz API instance {args.name} (port {args.port}) got SIGTERM: exiting with status 143", flush=True)
        finally:
            os._exit(143)

    signal.signal(signal.SIGTERM, on_sigterm)
    ThreadingHTTPServer.request_queue_size = 64  # listen backlog (the default is 5)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print(f"FizzBuzz API instance {args.name} is up on {args.host}:{args.port} (PID {os.getpid()})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
