def pytest_configure(config):
    config.addinivalue_line("markers", "task(n): the exercise task of a test")
    config.addinivalue_line("markers", "points(p): the weight of a test")
