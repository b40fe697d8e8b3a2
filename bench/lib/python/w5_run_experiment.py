"""W5: Phoenix's own Python client uploads the workload's experiment to a real Phoenix server.

Usage: python w5_run_experiment.py '{"base_url": ..., "runs": 1000, "concurrency": 10}'
Prints one JSON line: {"experiment_id": ..., "seconds": ...}, timed from the dataset upload to
run_experiment's return (it posts every run and evaluation before it returns), without the
interpreter's start-up and imports.
"""

import asyncio
import json
import sys
import time

from phoenix.client import AsyncClient


async def task(input):
    return {"n": input["n"]}


def same_n(output, expected):
    return 1.0 if output["n"] == expected["n"] else 0.0


def even(output):
    return 1.0 if output["n"] % 2 == 0 else 0.0


async def main() -> None:
    args = json.loads(sys.argv[1])
    client = AsyncClient(base_url=args["base_url"])
    started = time.perf_counter()
    dataset = await client.datasets.create_dataset(
        name="w5",
        inputs=[{"n": i} for i in range(args["runs"])],
        outputs=[{"n": i} for i in range(args["runs"])],
    )
    ran = await client.experiments.run_experiment(
        dataset=dataset,
        task=task,
        evaluators=[same_n, even],
        experiment_name="w5",
        concurrency=args["concurrency"],
        print_summary=False,
    )
    seconds = time.perf_counter() - started
    print(json.dumps({"experiment_id": ran["experiment_id"], "seconds": seconds}))


if __name__ == "__main__":
    asyncio.run(main())
