#!/usr/bin/env python3
"""A minimal OpenAI-compatible server for seeding the plan cache in benchmarks.

Answers every POST with one fixed, valid spec (non-streamed chat completion). Only for
tests/bench/cache_hit.sh and batch.sh: the test suite has its own scriptable fake (tests/fake_provider.cpp).
Usage: fake_openai.py PORT [LATENCY_MS]   (each answer waits LATENCY_MS; requests are served in parallel)
"""
import json, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
LATENCY = float(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0.0
SPEC = {"version": 1, "name": "backup-vacuum", "description": "back up the db, then vacuum it",
        "steps": [{"name": "backup-db", "description": "back up the db", "command": "pg_dump -Fc -f db.dump \"$DATABASE_URL\"", "depends_on": []},
                  {"name": "vacuum-db", "description": "vacuum it", "command": "vacuumdb --dbname=\"$DATABASE_URL\"", "depends_on": ["backup-db"]}]}
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("content-length", 0)); self.rfile.read(n)
        if LATENCY: time.sleep(LATENCY)
        body = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": "gpt-4o-mini",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": json.dumps(SPEC)}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150}}).encode()
        self.send_response(200); self.send_header("content-type", "application/json"); self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
Server(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
