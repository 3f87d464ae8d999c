"""Online dossiers checked at the counter."""
