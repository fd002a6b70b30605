"""The peer benches' JSON-lines protocol, Python side (the TypeScript side is json-lines-worker.ts).

One request per stdin line, {"cmd": name, ...}; one answer per line on the original stdout, which is kept for
the protocol alone (prints go to stderr). {"cmd": "exit"} or the end of stdin stops; a failing command answers
{"error": "Type: message"} and the loop goes on.
"""

import json
import sys


def serve(worker, commands):
    """Answer requests with worker.<cmd>(request) for each cmd in commands until exit."""
    protocol = sys.stdout
    sys.stdout = sys.stderr  # only answers on the protocol stream
    expected = ", ".join(commands) + " or exit"
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        cmd = req.get("cmd")
        if cmd == "exit":
            break
        handler = getattr(worker, cmd, None) if cmd in commands else None
        try:
            if handler is None:
                raise ValueError(f"unknown command {cmd!r}: expected {expected}")
            answer = handler(req)
        except Exception as e:  # the bench prints it and stops
            answer = {"error": f"{type(e).__name__}: {e}"}
        protocol.write(json.dumps(answer) + "\n")
        protocol.flush()
