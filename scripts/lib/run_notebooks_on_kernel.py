"""Executes tutorials' .ipynb files with nbclient on the hone kernel and compares each code
cell's outputs with the Markdown run's (the outputs the .ipynb carries, written by
`hone --update` and converted by scripts/make-ipynb).

Compared per cell: the text of `stream` outputs, and the text/plain of `execute_result` and
`display_data`, in order. Left out, as the Markdown runner leaves them out: outputs the kernel
marks volatile ({"hone": {"volatile": true}}: times, tokens/s, the live training display), and
the folder a run writes to (/tmp/…, which differs from run to run). A notebook with a shell step
(```sh step, a Markdown cell in the .ipynb) is executed up to that step, as `hone FILE.md` runs
it; scripts/check-export runs the rest with the real tools.

usage: run_notebooks_on_kernel.py NOTEBOOK...   (the hone kernelspec must be on JUPYTER_PATH)
"""
import copy, os, re, shutil, sys, tempfile, time

import nbformat
from nbclient import NotebookClient

TMP = re.compile(r"/tmp/[^/\s]+")


def text_of(outputs):
    pieces = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream" and out.get("name") == "stdout":
            pieces.append(out["text"])
        elif kind in ("execute_result", "display_data"):
            if out.get("metadata", {}).get("hone", {}).get("volatile"):
                continue
            text = out.get("data", {}).get("text/plain", "")
            pieces.append(text if text.endswith("\n") else text + "\n")
    return TMP.sub("DIR", "".join(pieces))


def shell_step(cell):
    return cell.cell_type == "markdown" and cell.source.lstrip().startswith("```sh step")


def run(path):
    expected = nbformat.read(path, as_version=4)
    notebook = copy.deepcopy(expected)
    stop = next((i for i, c in enumerate(notebook.cells) if shell_step(c)), len(notebook.cells))
    notebook.cells = notebook.cells[:stop]
    folder = tempfile.mkdtemp(prefix="hone-nb-")
    try:
        start = time.time()
        client = NotebookClient(notebook, kernel_name="hone", timeout=900, allow_errors=False,
                                resources={"metadata": {"path": folder}})
        client.execute()
        seconds = time.time() - start
        for index, (got, want) in enumerate(zip(notebook.cells, expected.cells)):
            if got.cell_type != "code":
                continue
            g, w = text_of(got.outputs), text_of(want.outputs)
            if g != w:
                print(f"check-kernel: FAILED: {os.path.basename(path)} cell {index + 1} differs from the Markdown run", file=sys.stderr)
                import difflib
                sys.stderr.writelines(difflib.unified_diff(w.splitlines(True), g.splitlines(True), "markdown run", "kernel run"))
                return False
        skipped = len(expected.cells) - stop
        print(f"check-kernel: ok: {os.path.basename(path)} ran on the kernel in {seconds:.0f} s; its outputs equal the Markdown run's"
              + (f" (stopped before its shell step; {skipped} cells left to scripts/check-export)" if skipped else ""))
        return True
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    ok = True
    for path in sys.argv[1:]:
        try:
            ok = run(path) and ok
        except Exception as error:  # a failing cell: nbclient's CellExecutionError names it
            print(f"check-kernel: FAILED: {os.path.basename(path)}: {error}", file=sys.stderr)
            ok = False
    sys.exit(0 if ok else 1)
