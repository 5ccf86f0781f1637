"""The desktop app (PySide6). Qt lives in this package and nowhere else in FieldKit."""
