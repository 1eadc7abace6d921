"""The HTTP service: the pool's API (FastAPI), and later the web pages. Routes are thin: parse,
call the repository or the engine, return JSON."""
