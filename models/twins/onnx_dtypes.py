"""Write the fp16 and q4 variants of a model folder's float32 ONNX sessions.

    /usr/bin/python3 models/twins/onnx_dtypes.py <model folder> --dtypes fp16 q4

reads `<folder>/onnx/<session>.onnx` for every float32 session there (a name without a dtype
suffix) and writes `<session>_fp16.onnx` and `<session>_q4.onnx` beside it, under the names
transformers.js asks for with `dtype: 'fp16'` / `'q4'`. The output is a pure function of the
input files, so re-running gives the same bytes. What each variant keeps in which precision is
documented in onnx_dtypes_fp16.py and onnx_dtypes_q4.py.
"""
import argparse
import os
import sys

import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_dtypes_fp16 import convert_to_fp16, summary  # noqa: E402
from onnx_dtypes_q4 import convert_to_q4  # noqa: E402

# File suffixes of the dtype variants in the onnx-community layout (FAMILIES.md); a file with one
# of these is a variant, not a float32 source.
VARIANT_SUFFIXES = ("_fp16", "_q4", "_q4f16", "_quantized", "_int8", "_uint8", "_bnb4")
DTYPES = ("fp16", "q4")


def float32_sessions(onnx_dir):
    names = []
    for f in sorted(os.listdir(onnx_dir)):
        stem, ext = os.path.splitext(f)
        if ext == ".onnx" and not stem.endswith(VARIANT_SUFFIXES):
            names.append(stem)
    return names


def convert(folder, dtypes, sessions=None):
    onnx_dir = os.path.join(folder, "onnx")
    sessions = sessions or float32_sessions(onnx_dir)
    if not sessions:
        raise SystemExit(f"no float32 .onnx sessions in {onnx_dir}")
    for session in sessions:
        src = os.path.join(onnx_dir, session + ".onnx")
        model = onnx.load(src)
        for dtype in dtypes:
            if dtype == "fp16":
                out = convert_to_fp16(model)
                note = summary(out)
            else:
                out, n = convert_to_q4(model)
                note = f"{n} MatMul -> MatMulNBits"
            dst = os.path.join(onnx_dir, f"{session}_{dtype}.onnx")
            onnx.save(out, dst)
            print(f"{os.path.relpath(dst)}: {os.path.getsize(dst)} bytes; {note}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", help="model folder holding onnx/<session>.onnx")
    ap.add_argument("--dtypes", nargs="+", choices=DTYPES, default=list(DTYPES))
    ap.add_argument("--sessions", nargs="+", help="session names (default: every float32 file)")
    args = ap.parse_args(argv)
    convert(args.folder, args.dtypes, args.sessions)


if __name__ == "__main__":
    main()
