"""Greetings, for the several-pythons example."""


def hello(name: str) -> str:
    return f"hello, {name}"
