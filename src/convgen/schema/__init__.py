"""What an agreement may hold: the models, their field types, pydantic errors as findings."""
