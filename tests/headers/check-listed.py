#!/usr/bin/env python3
"""Fail if a header under include/ is missing from public_headers in
include/meson.build (so that the headers suite checks every header).

usage: check-listed.py INCLUDE_DIR HEADER...
"""
import os
import sys


def main():
    include_dir, listed = sys.argv[1], set(sys.argv[2:])
    found = set()
    for root, _dirs, names in os.walk(include_dir):
        for name in names:
            if name.endswith('.h'):
                found.add(os.path.relpath(os.path.join(root, name), include_dir).replace(os.sep, '/'))
            elif name.endswith('.h.in'):
                found.add(os.path.relpath(os.path.join(root, name[:-3]), include_dir).replace(os.sep, '/'))
    missing = sorted(found - listed)
    stale = sorted(listed - found)
    for h in missing:
        print(f'include/{h} is not in public_headers (include/meson.build)')
    for h in stale:
        print(f'public_headers names include/{h}, which does not exist')
    if missing or stale:
        return 1
    print(f'{len(found)} headers, all listed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
