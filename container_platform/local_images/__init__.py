"""The image chain built with a local Docker engine and registry: for the image tests and the benchmark."""
