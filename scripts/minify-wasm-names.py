#!/usr/bin/env python3
"""Short names for the npm package's wasm imports and exports (issue 20: −2.9 kB gz, measured).

    scripts/minify-wasm-names.py pkg/fintoc_wasm_bg.wasm pkg/fintoc_wasm.js [pkg/fintoc_wasm.d.ts]

wasm-bindgen names each import of its glue `__wbg_<name>_<16 hex digits>` and each closure shim
`wasm_bindgen__convert__closures_____invoke__h<16 hex digits>`: about 100 hashed names, each
written twice (the wasm's import/export sections and the glue), which gzip cannot shrink. This
renames them in both, consistently:
  - the imports the wasm takes from its own glue (module `./<name>_bg.js`; the glue defines them as
    `NAME: function(` keys of one object) — never those from snippets (src/browser/*.js), whose
    names are their JS exports;
  - every export the glue calls (as `wasm.NAME`); the others keep their names. The `.d.ts`
    types them as the members of `InitOutput` (what `init()` resolves with): renamed there too.
It runs on the unminified glue (before terser, which renames `wasm`). It fails, changing nothing,
when the glue does not have exactly the shape it rewrites: an import not defined once as a key,
an old name left after the rewrite, an export not called as `wasm.NAME`.
"""
import keyword
import re
import sys


def read_leb(data, i):
    result = shift = 0
    while True:
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, i


def leb(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def read_name(data, i):
    n, i = read_leb(data, i)
    return data[i : i + n].decode(), i + n


def name_bytes(s):
    b = s.encode()
    return leb(len(b)) + b


def skip_limits(data, i):
    flags = data[i]
    i += 1
    _, i = read_leb(data, i)
    if flags & 1:
        _, i = read_leb(data, i)
    return i


def skip_valtype(data, i):
    """A value or reference type: one byte, or (typed function references, GC) 0x63/0x64 and a
    heap type (a signed LEB128)."""
    byte = data[i]
    i += 1
    if byte in (0x63, 0x64):
        _, i = read_leb(data, i)
    return i


def skip_import_desc(data, i):
    kind = data[i]
    i += 1
    if kind == 0:  # function: type index
        _, i = read_leb(data, i)
    elif kind == 1:  # table: reftype, limits
        i = skip_limits(data, skip_valtype(data, i))
    elif kind == 2:  # memory: limits
        i = skip_limits(data, i)
    elif kind == 3:  # global: valtype, mutability
        i = skip_valtype(data, i) + 1
    elif kind == 4:  # tag: attribute, type index
        _, i = read_leb(data, i + 1)
    else:
        sys.exit(f"minify-wasm-names: unknown import kind {kind}")
    return i


JS_WORDS = set(keyword.kwlist) | {
    "do", "if", "in", "for", "let", "new", "try", "var", "case", "else", "enum", "eval", "null",
    "this", "true", "void", "with", "await", "break", "catch", "class", "const", "false", "super",
    "throw", "while", "yield", "delete", "export", "import", "public", "return", "static", "switch",
    "typeof", "default", "extends", "finally", "package", "private", "continue", "debugger",
    "function", "arguments", "interface", "protected", "implements", "instanceof",
}

# Exports whose name others may rely on: `init()` resolves with the exports, and `memory` is the
# one a page might read.
KEEP = {"memory"}


def short_names():
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    n = 0
    while True:
        s, k = "", n
        while True:
            s = letters[k % 52] + s
            k = k // 52 - 1
            if k < 0:
                break
        n += 1
        if s not in JS_WORDS:
            yield s


def main(wasm_path, glue_path, types_path):
    data = open(wasm_path, "rb").read()
    glue = open(glue_path, encoding="utf-8", newline="").read()
    types = open(types_path, encoding="utf-8", newline="").read() if types_path else ""
    init_output = re.search(r"(?ms)^export interface InitOutput \{$.*?^\}$", types)
    if types_path and not init_output:
        sys.exit(f"minify-wasm-names: no `export interface InitOutput {{ … }}` in {types_path}")
    init_types = init_output.group(0) if init_output else ""
    own_module = re.compile(r"^\./[A-Za-z0-9_-]+_bg\.js$")
    names = short_names()
    imports, exports = {}, {}
    out = bytearray(data[:8])
    i = 8
    while i < len(data):
        sid = data[i]
        size, body = read_leb(data, i + 1)
        end = body + size
        if sid == 2:  # imports
            count, j = read_leb(data, body)
            new = bytearray(leb(count))
            for _ in range(count):
                module, j = read_name(data, j)
                field, j = read_name(data, j)
                desc_start = j
                j = skip_import_desc(data, j)
                if own_module.match(module):
                    field = imports.setdefault(field, next(names))
                new += name_bytes(module) + name_bytes(field) + data[desc_start:j]
            out += bytes([sid]) + leb(len(new)) + new
        elif sid == 7:  # exports
            count, j = read_leb(data, body)
            new = bytearray(leb(count))
            for _ in range(count):
                field, j = read_name(data, j)
                kind = data[j]
                idx, j = read_leb(data, j + 1)
                # An export the glue never calls (e.g. `__abort_handler`) keeps its name.
                if field not in KEEP and re.search(r"\bwasm\." + re.escape(field) + r"\b", glue):
                    field = exports.setdefault(field, next(names))
                new += name_bytes(field) + bytes([kind]) + leb(idx)
            out += bytes([sid]) + leb(len(new)) + new
        else:
            out += data[i:end]
        i = end

    for old, short in imports.items():
        key = re.compile(r"(?m)^(\s+)" + re.escape(old) + r": function\(")
        glue, n = key.subn(lambda m: f"{m.group(1)}{short}: function(", glue)
        if n != 1:
            sys.exit(f"minify-wasm-names: import {old} is defined {n} times in {glue_path}, not once")
    for old, short in exports.items():
        glue = re.sub(r"\bwasm\." + re.escape(old) + r"\b", f"wasm.{short}", glue)
        init_types = re.sub(
            r"(?m)^(\s+readonly )" + re.escape(old) + r":", rf"\g<1>{short}:", init_types
        )
    for old in imports:
        if re.search(r"\b" + re.escape(old) + r"\b", glue):
            sys.exit(f"minify-wasm-names: {old} is still named in {glue_path} after the rewrite")
    for old in exports:
        # What may still name it: the glue's own shim of the same name, a plain identifier
        # (`function OLD(`, `OLD(…)`, passed as a value). Reached as a property or a string
        # (`wasm.OLD`, `exports.OLD`, `['OLD']`), the export would be missing: refuse.
        for m in re.finditer(r"\b" + re.escape(old) + r"\b", glue):
            if glue[max(0, m.start() - 1) : m.start()] in (".", "'", '"', "["):
                sys.exit(f"minify-wasm-names: {old} is still reached in {glue_path} after the rewrite")
        if re.search(r"(?m)^\s+readonly " + re.escape(old) + r":", init_types):
            sys.exit(f"minify-wasm-names: {old} is still typed in {types_path} after the rewrite")
    if init_output:
        types = types.replace(init_output.group(0), init_types)

    open(wasm_path, "wb").write(out)
    open(glue_path, "w", encoding="utf-8", newline="").write(glue)
    if types_path:
        open(types_path, "w", encoding="utf-8", newline="").write(types)
    print(f"minify-wasm-names: {len(imports)} imports and {len(exports)} exports renamed")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else None)
