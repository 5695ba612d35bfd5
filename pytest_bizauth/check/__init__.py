"""``bizauth check``: run a vendor's documented contract against any server and report
where it and the fake differ."""
