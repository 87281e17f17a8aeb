"""`python -m bench`: every benchmark with modest defaults, one table each.

python -m bench [--database-url URL]
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

from bench import coalescing, flat, flood, latency, memory
from bench.common import parser


async def main_async(argv: Sequence[str] | None = None) -> bool:
    args = parser(__doc__ or "").parse_args(argv)
    url = ["--database-url", args.database_url] if args.database_url else []
    ok = True
    for module, extra in (
        (latency, ["--rounds", "40", "--bursts", "8"]),
        (coalescing, ["--bursts", "4"]),
        (flat, ["--repeats", "15"]),
        (memory, ["--small", "100", "--big", "10000"]),
        (flood, ["--clicks", "60"]),
    ):
        ok &= await module.main_async([*url, *extra])
        print(flush=True)
    print("All targets met." if ok else "Some targets were missed (MISS above).", flush=True)
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    return 0 if asyncio.run(main_async(argv)) else 1


if __name__ == "__main__":
    sys.exit(main())
