"""Models of the reviews app arrive with their issues; the app is installed so that its migrations have a home."""
