"""Loud greetings, on top of greet, for the several-pythons example."""
from greet import hello


def shout(name: str) -> str:
    return hello(name).upper() + "!"
