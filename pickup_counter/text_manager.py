"""Words of the manager pages: ``key: (zh-TW, en)``."""
TEXT: dict[str, tuple[str, str]] = {}
