"""S3 Inventory for the sandbox: reports delivered in the documented layout, and the Athena tables over them.

- ``reports``: what S3 does once a day for each enabled inventory configuration (Parquet data files,
  ``manifest.json``/``manifest.checksum``, the Hive ``symlink.txt``), on demand;
- ``tables``: how the sandbox's Athena reads a Glue table over those reports (symlink input format,
  partition projection on ``dt``) into SQLite before running a query.

pyarrow (test and deploy side only) writes and reads the Parquet files.
"""
from sandbox.inventory.reports import Report, deliver_reports, write_report

__all__ = ["Report", "deliver_reports", "write_report"]
