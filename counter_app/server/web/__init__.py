"""The citizen's web page served by the provincial server (`/tra-cuu/<code>`)."""
