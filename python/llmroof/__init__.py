"""llmroof: the roofline cost of running an LLM, op by op, from Python.

Every function sends one JSON request to libllmroof's lr_json_call and
returns the JSON the `llmroof` command writes with ``--format json`` (the
contract of docs/json-output.md), parsed into dicts and lists. Settings
are the settings table's names (``llmroof analyze --help``): pass them as
keyword arguments, ``batch=8, seq_len=4096, attention="flash"``.

The library is found through ``LLMROOF_LIBRARY`` (a path) if set, else
the installed one (``ctypes.util.find_library("llmroof")`` and the
standard library directories), else a copy next to this file.
"""

import ctypes
import ctypes.util
import json
import os

__all__ = [
    "Error",
    "analyze",
    "generate",
    "serve_plan",
    "sweep",
    "hardware",
    "models",
    "to_dataframe",
    "library_path",
]

__version__ = "0.1.0"


class Error(Exception):
    """A failed call: ``message`` is the library's (lr_error_format), ``code``
    the llmroof command's exit code for the cause: 1 a bad request (an
    unknown id, setting or value), 2 an input file, 3 the analysis."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message = message
        self.code = code


class _LrError(ctypes.Structure):
    # struct lr_error of include/llmroof.h, field by field
    _fields_ = [
        ("file", ctypes.c_char * 512),
        ("path", ctypes.c_char * 512),
        ("line", ctypes.c_int),
        ("col", ctypes.c_int),
        ("msg", ctypes.c_char * 1024),
        ("source", ctypes.c_char * 1024),
    ]


def _candidates():
    env = os.environ.get("LLMROOF_LIBRARY")
    if env:
        return [env]  # named explicitly: that file or an error, nothing else
    out = []
    found = ctypes.util.find_library("llmroof")
    if found:
        out.append(found)
    for d in ("/usr/local/lib", "/usr/lib", "/usr/local/lib64", "/usr/lib64",
              os.path.expanduser("~/.local/lib")):
        out.append(os.path.join(d, "libllmroof.so.0"))
    here = os.path.dirname(os.path.abspath(__file__))
    out += [os.path.join(here, "libllmroof.so"), os.path.join(here, "libllmroof.so.0")]
    return out


_lib = None
_lib_path = None


def _load():
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    tried = []
    for path in _candidates():
        if os.path.sep in path and not os.path.exists(path):
            tried.append(path + " (missing)")
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
            continue
        lib.lr_json_call.restype = ctypes.c_void_p
        lib.lr_json_call.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int),
                                     ctypes.POINTER(_LrError)]
        lib.lr_free.restype = None
        lib.lr_free.argtypes = [ctypes.c_void_p]
        lib.lr_error_format.restype = None
        lib.lr_error_format.argtypes = [ctypes.POINTER(_LrError), ctypes.c_char_p,
                                        ctypes.c_size_t]
        _lib, _lib_path = lib, path
        return lib
    raise Error("libllmroof not found; set LLMROOF_LIBRARY to its path. Tried: "
                + "; ".join(tried), 2)


def library_path():
    """The path of the libllmroof in use."""
    _load()
    return _lib_path


def _call(request):
    lib = _load()
    err = _LrError()
    code = ctypes.c_int(0)
    text = json.dumps(request).encode("utf-8")
    ptr = lib.lr_json_call(text, ctypes.byref(code), ctypes.byref(err))
    if not ptr:
        buf = ctypes.create_string_buffer(4096)
        lib.lr_error_format(ctypes.byref(err), buf, len(buf))
        raise Error(buf.value.decode("utf-8", "replace"), code.value)
    try:
        return json.loads(ctypes.string_at(ptr).decode("utf-8"))
    finally:
        lib.lr_free(ptr)


def _request(command, model=None, hardware=None, profile=None, set=None, hw_set=None,
             data_dir=None, module_db=None, family=None, settings=None, **extra):
    req = {"command": command}
    for k, v in (("model", model), ("hardware", hardware), ("profile", profile),
                 ("data_dir", data_dir), ("module_db", module_db), ("family", family)):
        if v is not None:
            req[k] = os.fspath(v) if isinstance(v, os.PathLike) else v
    if set:
        req["set"] = _pairs(set)
    if hw_set:
        req["hw_set"] = _pairs(hw_set)
    if settings:
        req["settings"] = settings
    for k, v in extra.items():
        if v is not None:
            req[k] = v
    return req


def _pairs(x):
    """{"num_hidden_layers": 16} or ["num_hidden_layers=16"] -> list of NAME=VALUE."""
    if isinstance(x, dict):
        return ["%s=%s" % (k, v) for k, v in x.items()]
    return list(x)


def analyze(model=None, hardware=None, stage=None, *, profile=None, set=None, hw_set=None,
            data_dir=None, module_db=None, family=None, **settings):
    """Per-op FLOPs, bytes and roofline time of a prefill and a decode step:
    ``llmroof analyze MODEL --format json``. ``stage``: prefill, decode or
    both (default). ``set``: config overrides ({"num_hidden_layers": 16});
    ``hw_set``: device overrides ({"memory_bandwidth": "4T"})."""
    return _call(_request("analyze", model, hardware, profile, set, hw_set, data_dir,
                          module_db, family, settings, stage=stage))


def generate(model=None, hardware=None, prompt_len=None, gen_len=None, *, profile=None,
             set=None, hw_set=None, data_dir=None, module_db=None, family=None, **settings):
    """A whole generation (TTFT, TPOT, latency, tokens/s, memory):
    ``llmroof generate --prompt-len P --gen-len G --format json``."""
    return _call(_request("generate", model, hardware, profile, set, hw_set, data_dir,
                          module_db, family, settings, prompt_len=prompt_len, gen_len=gen_len))


def serve_plan(model=None, hardware=None, prompt_len=None, gen_len=None, *, max_tpot_s=None,
               max_ttft_s=None, max_batch=None, profile=None, set=None, hw_set=None,
               data_dir=None, module_db=None, family=None, **settings):
    """The largest batch that fits and a generation per batch size, the best
    one within the targets: ``llmroof serve-plan --format json``."""
    return _call(_request("serve_plan", model, hardware, profile, set, hw_set, data_dir,
                          module_db, family, settings, prompt_len=prompt_len, gen_len=gen_len,
                          max_tpot_s=max_tpot_s, max_ttft_s=max_ttft_s, max_batch=max_batch))


def sweep(models=None, hardware=None, *, prompt_len=None, gen_len=None, profile=None, set=None,
          hw_set=None, data_dir=None, module_db=None, family=None, **settings):
    """Every combination of the settings given as lists, for each model and
    device (a name or a list): the rows of ``llmroof sweep --format jsonl``
    as a list, models slowest, then the settings in table order, then the
    devices. With prompt_len or gen_len each row also has a generation."""
    lists = {k: (list(v) if isinstance(v, (list, tuple, range)) else v)
             for k, v in settings.items()}
    if isinstance(models, tuple):
        models = list(models)
    if isinstance(hardware, tuple):
        hardware = list(hardware)
    return _call(_request("sweep", models, hardware, profile, set, hw_set, data_dir, module_db,
                          family, lists, prompt_len=prompt_len, gen_len=gen_len))


def hardware(*, profile=None, data_dir=None):
    """The devices: ``llmroof hardware list --format json`` ({profile,
    default, hardware: [...]})."""
    return _call(_request("hardware", profile=profile, data_dir=data_dir))


def models(*, profile=None, data_dir=None, module_db=None):
    """The bundled models: ``llmroof models --format json`` ({profile,
    default, models: [...]})."""
    return _call(_request("models", profile=profile, data_dir=data_dir, module_db=module_db))


def to_dataframe(result):
    """A pandas DataFrame of a result's rows: the ops of both stages of an
    analysis (a ``stage`` column added), the rows of a serving plan or a
    sweep, the devices or models of a listing. Only when pandas is
    installed (it is not a dependency)."""
    try:
        import pandas
    except ImportError as e:
        raise ImportError("to_dataframe needs pandas (pip install pandas)") from e
    if isinstance(result, list):
        return pandas.json_normalize(result)
    for key in ("rows", "hardware", "models"):
        if isinstance(result.get(key), list):
            return pandas.json_normalize(result[key])
    if "prefill" in result or "decode" in result:
        rows = []
        for st in ("prefill", "decode"):
            for op in (result.get(st) or {}).get("ops", []):
                rows.append(dict(op, stage=st))
        return pandas.json_normalize(rows)
    return pandas.json_normalize(result)
