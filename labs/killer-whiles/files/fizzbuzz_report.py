#!/usr/bin/env python3
"""The innocent bystander: a reporting job that asks FizzBuzz instance B for answers every few
seconds and keeps a tally. It has nothing to do with the chaos experiment, but its command line
mentions port 8002 (and "fizzbuzz"), which is all a careless `pkill -f` needs to take it down.

Run as: fizzbuzz_report.py --source http://127.0.0.1:8002/fizzbuzz
Chaos Lab, "Killer whiles" lab. Standard library only.
"""
import argparse
import json
import os
import sys
import time
import urllib.request


def main():
    parser = argparse.ArgumentParser(description="Tally FizzBuzz answers from one instance")
    parser.add_argument("--source", required=True, help="base URL, e.g. http://127.0.0.1:8002/fizzbuzz")
    parser.add_argument("--every", type=float, default=3.0, help="seconds between questions")
    args = parser.parse_args()

    print(f"fizzbuzz-report started (PID {os.getpid()}), reading {args.source}", flush=True)
    tally = {}
    asked = errors = 0
    n = 0
    while True:
        n = n % 100 + 1
        asked += 1
        try:
            with urllib.request.urlopen(f"{args.source}/{n}", timeout=5) as response:
                answer = json.load(response).get("answer", "?")
            kind = answer if answer in ("Fizz", "Buzz", "FizzBuzz") else "number"
            tally[kind] = tally.get(kind, 0) + 1
        except Exception as err:  # the report must survive a restarting instance
            errors += 1
            print(f"fizzbuzz-report: question {asked} failed: {err}", flush=True)
        if asked % 20 == 0:
            print(f"fizzbuzz-report: {asked} questions, {errors} errors, tally {json.dumps(tally, sort_keys=True)}", flush=True)
        time.sleep(args.every)


if __name__ == "__main__":
    sys.exit(main())
