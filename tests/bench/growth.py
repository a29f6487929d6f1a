#!/usr/bin/env python3
"""How a command's time grows from N to 10*N steps, measured so that a noisy machine cancels out.

    tests/bench/growth.py [--rounds R] [--small N] NAME=COMMAND... (COMMAND gets the spec path appended)

Each round runs every command on the N-step chain ten times and on the 10N-step chain once,
back to back, so both sizes see the same load; a round's growth is the big run's time over the
mean small run. Printed: per command, the median and spread of the rounds' growth, and the
median times. A whole-process ratio over separate hyperfine runs moved by ±1 from run to run on
the project's VM; interleaving rounds is what makes the 11x goal of issue 15 checkable.
"""
import argparse, os, resource, statistics, subprocess, sys, tempfile, time


def chain(n, path):
    lines = ["version: 1", f"name: chain-{n}", "steps:"]
    for i in range(n):
        lines += [f"- name: s{i}", f"  command: echo step {i}"] + ([f"  depends_on: [s{i-1}]"] if i else [])
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


CPU = False  # --cpu: user+system time of the child instead of wall time


def timed(argv):
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    if CPU:
        return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--small", type=int, default=10000)
    parser.add_argument("--cpu", action="store_true", help="CPU time (user+system) instead of wall time")
    parser.add_argument("commands", nargs="+", help="NAME=COMMAND, e.g. dagu='build/arborist -q dagu'")
    args = parser.parse_args()
    global CPU
    CPU = args.cpu
    commands = [(c.split("=", 1)[0], c.split("=", 1)[1].split()) for c in args.commands]
    work = tempfile.mkdtemp()
    small, big = os.path.join(work, "small.yaml"), os.path.join(work, "big.yaml")
    chain(args.small, small)
    chain(args.small * 10, big)
    for _, argv in commands:  # warm the page cache and the binaries
        timed(argv + [small]), timed(argv + [big])
    growth = {name: [] for name, _ in commands}
    small_times = {name: [] for name, _ in commands}
    big_times = {name: [] for name, _ in commands}
    for _ in range(args.rounds):
        for name, argv in commands:
            t_small = statistics.mean(timed(argv + [small]) for _ in range(10))
            t_big = timed(argv + [big])
            growth[name].append(t_big / t_small)
            small_times[name].append(t_small)
            big_times[name].append(t_big)
    print(f"{'command':<12} {'growth ' + str(args.small) + ' -> ' + str(args.small * 10):<28} {'small (median)':<16} big (median)")
    for name, _ in commands:
        g = sorted(growth[name])
        print(f"{name:<12} {statistics.median(g):5.2f}x  (rounds {g[0]:.2f}-{g[-1]:.2f})      "
              f"{statistics.median(small_times[name]) * 1000:7.1f} ms      {statistics.median(big_times[name]):6.3f} s")


if __name__ == "__main__":
    sys.exit(main())
