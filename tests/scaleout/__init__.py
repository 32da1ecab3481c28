"""The scale-out proof: 2 gunicorn instances and 3 workers on one PostgreSQL (`make test`)."""
