"""What gunicorn serves, as `make run` starts it:
`gunicorn --workers 2 --worker-class gthread --threads 8 wsgi:app` (a worker per core)."""
from matchmaker import create_app

app = create_app()
