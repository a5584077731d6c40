"""Start-up of commands measured side by side: the commands take turns, run after run, so a load
that comes and goes (a shared 2-core machine) hits all of them alike, and each one's median wall
time and median CPU time (user + system, from the kernel's accounting of the finished child) are
compared with the first command's. CPU time barely depends on how busy the machine is, so its
ratio is the steadier figure when other work shares the cores.
Usage: python3 side-by-side.py RUNS CMD...   (3 warm-up rounds are not counted)"""
import resource
import statistics
import subprocess
import sys
import time

runs, cmds = int(sys.argv[1]), sys.argv[2:]
wall = {c: [] for c in cmds}
cpu = {c: [] for c in cmds}
for i in range(runs + 3):
    for c in cmds:
        before, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run(c, shell=True, stdout=subprocess.DEVNULL, check=True)
        t1, after = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        if i >= 3:
            wall[c].append(t1 - t0)
            cpu[c].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
med = lambda xs: statistics.median(xs)
base = cmds[0]
print(f"| command (median of {runs}, taking turns) | wall [ms] | CPU [ms] | wall ratio | CPU ratio |")
print("|:---|---:|---:|---:|---:|")
for c in cmds:
    print(f"| `{c}` | {med(wall[c]) * 1000:.1f} | {med(cpu[c]) * 1000:.1f} | {med(wall[c]) / med(wall[base]):.2f} | {med(cpu[c]) / med(cpu[base]):.2f} |")
