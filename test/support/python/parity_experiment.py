"""Phoenix's own client runs the parity experiment (see test/e2e/real-phoenix/parity.test.ts).

Usage: python parity_experiment.py '{"base_url": ..., "dataset": ..., "experiment_name": ..., "repetitions": 2, "metadata": {...}}'
Prints one JSON line: {"experiment_id": ..., "dataset_id": ..., "dataset_version_id": ..., "project_name": ...}.
The task and evaluators mirror the TypeScript fixture's exactly: same outputs, scores, labels,
explanations, metadata and annotator kinds.
"""

import json
import sys

from phoenix.client import Client
from phoenix.client.experiments import create_evaluator

ANSWERS = {"capital of France?": "Paris", "capital of Italy?": "Rome", "capital of Spain?": "Barcelona"}


def task(input):
    question = input["question"]
    if question == "capital of Atlantis?":
        raise ValueError("no such country")
    return {"answer": ANSWERS[question]}


def exact_match(output, expected):
    same = output["answer"] == expected["answer"]
    return {
        "score": 1.0 if same else 0.0,
        "label": "match" if same else "mismatch",
        "explanation": f"expected {expected['answer']}, got {output['answer']}",
        "metadata": {"checker": "strict"},
    }


@create_evaluator(kind="LLM", name="judge")
def judge(output):
    return {"score": 0.5, "label": "plausible", "explanation": "a stand-in for a model's verdict"}


def has_content(output):
    return bool(output["answer"])


def main() -> None:
    args = json.loads(sys.argv[1])
    client = Client(base_url=args["base_url"])
    dataset = client.datasets.get_dataset(dataset=args["dataset"])
    ran = client.experiments.run_experiment(
        dataset=dataset,
        task=task,
        evaluators=[exact_match, judge, has_content],
        experiment_name=args["experiment_name"],
        experiment_metadata=args["metadata"],
        repetitions=args["repetitions"],
        print_summary=False,
    )
    experiment = client.experiments.get(experiment_id=ran["experiment_id"])
    print(
        json.dumps(
            {
                "experiment_id": experiment["id"],
                "dataset_id": experiment["dataset_id"],
                "dataset_version_id": experiment["dataset_version_id"],
                "project_name": experiment["project_name"],
            }
        )
    )


if __name__ == "__main__":
    main()
