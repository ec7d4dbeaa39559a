#!/usr/bin/env python3
"""Fail when the table of documented codes the tests use
(tests/common/documented_codes.h) and the headers disagree.

usage: check-documented.py INCLUDE_DIR TABLE

tm_documented_api: one row for each function declared `TERMINUS_API int` in
INCLUDE_DIR/terminus/*.h, holding the codes of the @retval lines of its
comment, and the codes its @return text names; a @return text that names
another function ("the codes of terminus_terminate()", "or a code of
terminus_session_list()") adds that function's codes.

tm_documented_shim: one row for each member `int (*name)(...)` of struct
terminus_os (INCLUDE_DIR/terminus/sys/os.h) whose comment has a @return line:
OK and the E_* codes of that line (up to the next @ tag or the end of the
comment); a member without one documents OK only.

Each row must hold exactly those codes, and every code must be one of
TERMINUS_ERROR_MAP (terminus/common.h). The header is the promise: when they
differ, the table is what to change (and the tests that use it).
"""
import os
import re
import sys

COMMENT_AND_DECL = re.compile(r'/\*\*(.*?)\*/\s*(TERMINUS_API\s+(\w[\w\s\*]*?)\s*\b(terminus_\w+)\s*\()',
                              re.S)
SHIM_MEMBER = re.compile(r'/\*\*(.*?)\*/\s*(\w[\w\s\*]*?)\(\s*\*\s*(\w+)\s*\)\s*\(', re.S)
CODE = re.compile(r'\bTERMINUS_(OK|E_[A-Z_]+)\b')
SHIM_CODE = re.compile(r'\b(OK|E_[A-Z_]+)\b')
FUNCTION_REF = re.compile(r'\b(terminus_\w+)\(\)')


def comment_lines(comment):
    """The lines of a /** */ comment without the leading ' * '."""
    return [re.sub(r'^\s*\*\s?', '', line) for line in comment.splitlines()]


def tag_texts(comment, tag):
    """The text of each `@tag` paragraph: its line and the lines that follow
    up to the next @ tag or a blank line."""
    texts, current = [], None
    for line in comment_lines(comment):
        stripped = line.strip()
        if stripped.startswith('@'):
            if current is not None:
                texts.append(' '.join(current))
                current = None
            if stripped.startswith('@' + tag + ' ') or stripped == '@' + tag:
                current = [stripped[len(tag) + 1:]]
        elif current is not None:
            if not stripped:
                texts.append(' '.join(current))
                current = None
            else:
                current.append(stripped)
    if current is not None:
        texts.append(' '.join(current))
    return texts


def known_codes(include_dir):
    with open(os.path.join(include_dir, 'terminus', 'common.h')) as f:
        text = f.read()
    m = re.search(r'#define TERMINUS_ERROR_MAP\(XX\)(.*?)\n\n', text, re.S)
    return set(re.findall(r'XX\(TERMINUS_(OK|E_[A-Z_]+),', m.group(1)))


def header_api(include_dir, errors):
    """{function: set of codes} from the public headers."""
    direct, refs, where = {}, {}, {}
    top = os.path.join(include_dir, 'terminus')
    for name in sorted(os.listdir(top)):
        if not name.endswith('.h'):
            continue
        with open(os.path.join(top, name)) as f:
            text = f.read()
        for m in COMMENT_AND_DECL.finditer(text):
            comment, ret, fn = m.group(1), m.group(3).split(), m.group(4)
            if '/**' in comment:  # the match began at an earlier comment
                comment = comment.rsplit('/**', 1)[1]
            if ret != ['int']:
                continue
            codes, named = set(), set()
            for t in tag_texts(comment, 'retval'):
                c = CODE.match(t.strip())
                if c is None:
                    errors.append(f'terminus/{name}: {fn}: a @retval without a TERMINUS_* code: {t}')
                else:
                    codes.add(c.group(1))
            for t in tag_texts(comment, 'return'):
                codes.update(CODE.findall(t))
                named.update(r for r in FUNCTION_REF.findall(t) if r != fn)
            if not codes:
                errors.append(f'terminus/{name}: {fn} returns an int but documents no code')
            direct[fn], refs[fn], where[fn] = codes, named, f'terminus/{name}'
    result = {}

    def resolve(fn, seen):
        if fn in result:
            return result[fn]
        codes = set(direct[fn])
        for r in refs[fn]:
            if r not in direct:
                errors.append(f'{where[fn]}: {fn}: its @return names {r}(), which documents no codes')
            elif r in seen:
                errors.append(f'{where[fn]}: {fn}: its @return names {r}() in a cycle')
            else:
                codes |= resolve(r, seen | {fn})
        result[fn] = codes
        return codes

    for fn in direct:
        resolve(fn, {fn})
    return result, where


def header_shim(include_dir):
    """{member: set of codes} from struct terminus_os in terminus/sys/os.h."""
    with open(os.path.join(include_dir, 'terminus', 'sys', 'os.h')) as f:
        text = f.read()
    body = re.search(r'struct terminus_os \{(.*?)\n\};', text, re.S).group(1)
    result = {}
    for m in SHIM_MEMBER.finditer(body):
        comment, ret, member = m.group(1), m.group(2).split(), m.group(3)
        if '/**' in comment:
            comment = comment.rsplit('/**', 1)[1]
        if ret != ['int']:
            continue
        codes = {'OK'}
        for t in tag_texts(comment, 'return'):
            codes.update(SHIM_CODE.findall(t))
        result[member] = codes
    return result


def table(path, name, errors):
    """{row name: set of codes} of the array `name` in the table file."""
    with open(path) as f:
        text = f.read()
    m = re.search(r'\b' + name + r'\[\]\s*=\s*\{(.*?)\n\};', text, re.S)
    if m is None:
        errors.append(f'{path}: no table {name}')
        return {}
    body = re.sub(r'/\*.*?\*/', '', m.group(1), flags=re.S)
    rows = {}
    for row in re.finditer(r'\{\s*"(\w+)"\s*,(.*?)\}', body, re.S):
        if row.group(1) in rows:
            errors.append(f'{name}: two rows for {row.group(1)}')
        rows[row.group(1)] = set(CODE.findall(row.group(2)))
    return rows


def compare(what, header, rows, where, known, errors):
    for fn in sorted(set(header) | set(rows)):
        header_file = 'include/' + where.get(fn, 'terminus')
        if fn not in rows:
            errors.append(f'{what}: no row for {fn} ({header_file} documents '
                          f'{", ".join(sorted(header[fn]))})')
            continue
        if fn not in header:
            errors.append(f'{what}: a row for {fn}, which {header_file} does not declare '
                          'as returning a code')
            continue
        for c in sorted(rows[fn] - known):
            errors.append(f'{what}: {fn}: TERMINUS_{c} is not a code')
        for c in sorted(header[fn] - known):
            errors.append(f'{header_file}: {fn}: TERMINUS_{c} is not a code')
        for c in sorted(header[fn] - rows[fn]):
            errors.append(f'{what}: {fn}: {header_file} documents TERMINUS_{c}; the row does not have it')
        for c in sorted(rows[fn] - header[fn]):
            errors.append(f'{what}: {fn}: the row has TERMINUS_{c}; {header_file} does not document it')


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    include_dir, path = sys.argv[1], sys.argv[2]
    errors = []
    known = known_codes(include_dir)
    api, where = header_api(include_dir, errors)
    shim = header_shim(include_dir)
    compare('tm_documented_api', api, table(path, 'tm_documented_api', errors), where, known,
            errors)
    compare('tm_documented_shim', shim, table(path, 'tm_documented_shim', errors),
            {m: 'terminus/sys/os.h' for m in shim}, known, errors)
    for e in errors:
        print(e)
    if errors:
        print(f'{len(errors)} disagreement(s) between the headers and {os.path.basename(path)}')
        return 1
    print(f'{len(api)} public functions and {len(shim)} shim members: the table follows the headers')
    return 0


if __name__ == '__main__':
    sys.exit(main())
