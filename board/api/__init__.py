"""The board in the API: ``GET /api/v1/board/`` and ``POST /api/v1/board/reminders/``."""
