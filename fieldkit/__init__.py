"""FieldKit: offline evidence collection. Importing this package never imports Qt."""

__version__ = "0.1.0"
