"""Admin pages for the audience app."""
