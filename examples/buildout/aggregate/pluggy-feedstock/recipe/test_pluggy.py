import pluggy


def test_calls_in_lifo_order():
    pm = pluggy.PluginManager("example")

    class A:
        def hello(self, who):
            return f"a:{who}"

    class B:
        def hello(self, who):
            return f"b:{who}"

    pm.register(A())
    pm.register(B())
    assert pm.call("hello", who="x") == ["b:x", "a:x"]
