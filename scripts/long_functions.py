#!/usr/bin/env python3
"""List functions longer than a limit (issue 16: no function over 120 lines outside tests).

Uses Universal Ctags for each function's first and last line, so it counts member functions,
functions in anonymous namespaces and function templates alike. Lambdas count as part of the function
that holds them.

  scripts/long_functions.py            # functions over 120 lines in the tracked sources
  scripts/long_functions.py -n 100     # over 100 lines
  scripts/long_functions.py acceptance core apps   # only under these paths

Prints one line per function, longest first: lines, file:line, qualified name. Exits 1 when any
function is over the limit, so CI can run it as a check.
"""
import argparse
import json
import shutil
import subprocess
import sys

EXCLUDED = ("tests/", "benchmarks/")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--limit", type=int, default=120, help="report functions longer than this")
    parser.add_argument("paths", nargs="*", help="directories or files (default: the whole tree)")
    args = parser.parse_args()
    if shutil.which("ctags") is None:
        sys.exit("long_functions.py: needs Universal Ctags (apt-get install universal-ctags)")
    files = subprocess.run(["git", "ls-files", "--", *(args.paths or ["."])], capture_output=True, text=True,
                           check=True).stdout.split()
    files = [f for f in files if f.endswith((".cc", ".h", ".cu", ".cuh")) and not f.startswith(EXCLUDED)]
    if not files:
        return 0
    tags = subprocess.run(["ctags", "--output-format=json", "--language-force=C++", "--c++-kinds=f",
                           "--fields=+neZ", "-o", "-", *files], capture_output=True, text=True, check=True).stdout
    found = []
    for line in tags.splitlines():
        tag = json.loads(line)
        if "end" not in tag or tag["name"].startswith("__anon"):  # a lambda ctags names
            continue
        length = tag["end"] - tag["line"] + 1
        if length > args.limit:
            scope = [s for s in tag.get("scope", "").split("::") if s and not s.startswith("__anon")]
            name = "::".join(scope[-1:] + [tag["name"]])
            found.append((length, f'{tag["path"]}:{tag["line"]}', name))
    for length, where, name in sorted(found, key=lambda t: (-t[0], t[1])):
        print(f"{length:4d}  {where}  {name}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
