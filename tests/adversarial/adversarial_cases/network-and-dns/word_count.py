"""Broken word count that tries to reach the outside: TCP, UDP, DNS, the Docker socket, the
host's bridge, the cloud metadata service, raw sockets, IPv6."""
import socket

TCP = [("1.1.1.1", 53), ("8.8.8.8", 443), ("172.17.0.1", 2375), ("172.17.0.1", 22),
       ("169.254.169.254", 80), ("10.0.0.1", 80), ("192.168.1.1", 80)]
UNIX = ["/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
        "/var/run/dbus/system_bus_socket"]


def probe():
    connected, failures = [], {}
    for host, port in TCP:
        try:
            with socket.create_connection((host, port), timeout=0.3):
                connected.append(f"{host}:{port}")
        except OSError as exc:
            failures[f"{host}:{port}"] = type(exc).__name__
    for path in UNIX:
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(0.3)
                s.connect(path)
                connected.append(path)
        except OSError as exc:
            failures[path] = type(exc).__name__
    for name in ("example.com", "pypi.org", "host.docker.internal", "gateway.docker.internal"):
        try:
            socket.getaddrinfo(name, 80)
            connected.append("dns:" + name)
        except OSError as exc:
            failures["dns:" + name] = type(exc).__name__
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.3)
            s.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01",
                     ("8.8.8.8", 53))
            s.recvfrom(512)
            connected.append("udp:8.8.8.8")
    except OSError as exc:
        failures["udp"] = type(exc).__name__
    for family, kind in ((socket.AF_INET, socket.SOCK_RAW), (socket.AF_PACKET, socket.SOCK_RAW)):
        try:
            socket.socket(family, kind, 1).close()
            connected.append(f"raw:{family}")
        except (OSError, AttributeError) as exc:
            failures[f"raw:{family}"] = type(exc).__name__
    try:
        with socket.create_connection(("2606:4700:4700::1111", 53), timeout=0.3):
            connected.append("ipv6")
    except OSError as exc:
        failures["ipv6"] = type(exc).__name__
    interfaces = [name for _, name in socket.if_nameindex()]
    return connected, failures, interfaces


def count_words(text):
    connected, failures, interfaces = probe()
    raise AssertionError(f"NET connected={connected} interfaces={interfaces}")


def top_words(text, n):
    return []
