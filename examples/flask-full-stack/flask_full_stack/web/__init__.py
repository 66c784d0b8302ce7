"""Server-rendered pages for items (the JSON API stays under /api/items)."""
