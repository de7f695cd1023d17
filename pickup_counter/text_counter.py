"""Words of the counter and walk-in sale pages: ``key: (zh-TW, en)``."""
TEXT: dict[str, tuple[str, str]] = {}
