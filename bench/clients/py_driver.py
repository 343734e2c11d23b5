"""clients_bench's Python driver: one request in flight, for SECONDS.
    py_driver.py SOCKET sync|async ping|write SECONDS  ->  "req_per_s p50_us p99_us"
"""
import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "clients", "python"))
from cairn_client import AsyncClient, Client  # noqa: E402


def report(lat, elapsed):
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p / 100))] * 1e6
    print(f"{len(lat) / elapsed:.0f} {pct(50):.0f} {pct(99):.0f}")


def request(op, i):
    if op == "ping":
        return "daemon.ping", {}
    return "prefs.set", {"category": "bench-py", "key": f"k{i % 1000}", "value": i}


def run_sync(path, op, seconds):
    c = Client(path)
    lat = []
    start = time.perf_counter()
    end = start + seconds
    i = 0
    while True:
        t0 = time.perf_counter()
        if t0 >= end:
            break
        c.call(*request(op, i))
        lat.append(time.perf_counter() - t0)
        i += 1
    report(lat, time.perf_counter() - start)


async def run_async(path, op, seconds):
    c = await AsyncClient.connect(path)
    lat = []
    start = time.perf_counter()
    end = start + seconds
    i = 0
    while True:
        t0 = time.perf_counter()
        if t0 >= end:
            break
        await c.call(*request(op, i))
        lat.append(time.perf_counter() - t0)
        i += 1
    report(lat, time.perf_counter() - start)
    await c.close()


if __name__ == "__main__":
    path, mode, op, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    if mode == "sync":
        run_sync(path, op, seconds)
    else:
        asyncio.run(run_async(path, op, seconds))
