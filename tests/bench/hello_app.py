"""The bare Flask "hello" app the HTTP benchmark compares every portal page with."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
