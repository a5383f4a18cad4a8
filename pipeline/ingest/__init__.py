"""Ingestion: which files of a year are logs, and reading any CSV or Excel sheet into the
contract's canonical columns, as text (`files`, `read`)."""
