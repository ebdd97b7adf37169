"""Open data: the round's records as CSV, JSON and a Frictionless Data Package (`xlsheet publish`)."""

from .package import (
    DEFAULT_LICENSE,
    LICENSES,
    PackageEdited,
    PublishError,
    PublishResult,
    publish_round,
    write_package,
)
from .tables import PublicTable, content_tables, master_tables

__all__ = [
    "DEFAULT_LICENSE",
    "LICENSES",
    "PackageEdited",
    "PublicTable",
    "PublishError",
    "PublishResult",
    "content_tables",
    "master_tables",
    "publish_round",
    "write_package",
]
