"""Operating the published pipeline: follow, list and show executions (runs.py), and the --local run."""
