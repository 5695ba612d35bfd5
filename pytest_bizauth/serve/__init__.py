"""``bizauth serve``: the fakes as a standalone HTTP server with a JSON control API."""
