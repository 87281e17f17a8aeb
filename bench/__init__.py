"""Benchmarks of the real app over real HTTP against the Slack stand-in (not timed tests).

Run one with `python -m bench.latency` (or coalescing, flat, memory), or all with
`python -m bench`. Each takes `--database-url` (default: a fresh SQLite file in a temporary
folder; a PostgreSQL URL gets a freshly created database of its own, dropped afterwards).
"""
