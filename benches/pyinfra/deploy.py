"""The converge benchmark through the pyinfra operations: N sleep programs
(program 0's command depends on the variant), supervisor 4.3.0 from PyPI
under the base, on every host. Reads BENCH_BASE, BENCH_N, BENCH_VARIANT."""

import os

from supervision.pyinfra import supervisord

n, variant = int(os.environ["BENCH_N"]), int(os.environ["BENCH_VARIANT"])
supervisord(
    name="converge",
    settings={"install": {"strategy": "pip", "version": "4.3.0"}, "prefix": os.environ["BENCH_BASE"]},
    services={
        f"p{i}": {"settings": {"command": f"sleep {200_000 + variant if i == 0 else 100_000 + i}", "startsecs": 0}}
        for i in range(n)
    },
)
