"""The API's JSON shapes, a module per domain as in views/: read shapes, and the *Input shapes a write accepts."""
