"""What gunicorn serves: `gunicorn --workers 4 wsgi:app`."""
from matchmaker import create_app

app = create_app()
