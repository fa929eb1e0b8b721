"""The reliability suite: bad input and faults on the offline sandbox, each reconciled.

``python -m reliability`` runs every case in ``reliability.cases`` (each in a fresh sandbox),
prints the table, stores ``reliability/results.json`` and rewrites README.md's generated
"reliability" section from it.
"""
