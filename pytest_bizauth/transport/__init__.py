"""How a fake is reached: one module per transport, each translating its wire format to
a :class:`~pytest_bizauth.core.wire.FakeRequest` and the fake's reply back, network
faults included, behind the small :class:`~.base.Transport` protocol."""
