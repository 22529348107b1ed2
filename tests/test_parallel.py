"""map_instances: results never depend on n_jobs, chunking or backend; validation first."""
from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd
import pytest

from plateaus import parallel
from plateaus.parallel import instance_index, map_instances, spawn_seeds

DIM = 6


def batched_matmul(seeds, scale=1.0):
    """Per instance: a random matrix and vector from its own seed; one batched matmul."""
    rngs = [np.random.default_rng(s) for s in seeds]
    a = np.stack([r.standard_normal((DIM, DIM)) for r in rngs])
    v = np.stack([r.standard_normal((DIM, 1)) for r in rngs])
    w = (a @ a.transpose(0, 2, 1) @ v)[:, :, 0] * scale
    return pd.DataFrame({"norm": np.linalg.norm(w, axis=1), "first": w[:, 0],
                         "pid_free": np.einsum("bij,bij->b", a, a)})


def two_rows_per_instance(seeds):
    rows = []
    for s in seeds:
        x = np.random.default_rng(s).random()
        rows += [{"instance": instance_index(s), "size": n, "x": x * n} for n in (1, 2)]
    return pd.DataFrame(rows)


def as_array(seeds):
    return np.stack([np.random.default_rng(s).standard_normal(3) for s in seeds])


def without_instance_rows(seeds):
    return pd.DataFrame({"x": np.zeros(2 * len(seeds))})


def local_instance(seeds):
    return pd.DataFrame({"instance": np.arange(len(seeds)), "x": 0.0})


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    monkeypatch.delenv("PLATEAUS_N_JOBS", raising=False)
    monkeypatch.delenv("PLATEAUS_SCHEDULER", raising=False)


@pytest.fixture(scope="module")
def reference():
    return map_instances(batched_matmul, 23, seed=11, chunk_size=5, n_jobs=1)


def test_reference_shape(reference):
    assert list(reference.columns) == ["instance", "norm", "first", "pid_free"]
    assert reference["instance"].tolist() == list(range(23))
    assert reference["norm"].nunique() == 23


def test_same_for_two_processes(reference):
    got = map_instances(batched_matmul, 23, seed=11, chunk_size=5, n_jobs=2)
    pd.testing.assert_frame_equal(got, reference, check_exact=True)


def test_same_for_any_chunk_size(reference):
    for chunk_size in (1, 7, 23, None):
        got = map_instances(batched_matmul, 23, seed=11, chunk_size=chunk_size)
        pd.testing.assert_frame_equal(got, reference, check_exact=True)


def test_same_on_dask_local_cluster(reference):
    pytest.importorskip("distributed")
    got = map_instances(batched_matmul, 23, seed=11, chunk_size=5, n_jobs=2, scheduler="local")
    pd.testing.assert_frame_equal(got, reference, check_exact=True)


def test_instance_depends_only_on_its_seed():
    ten = map_instances(batched_matmul, 10, seed=3, chunk_size=4)
    twenty = map_instances(batched_matmul, 20, seed=3, chunk_size=4)
    pd.testing.assert_frame_equal(twenty.iloc[:10], ten, check_exact=True)
    other = map_instances(batched_matmul, 10, seed=4, chunk_size=4)
    assert not np.any(other["norm"].to_numpy() == ten["norm"].to_numpy())


def test_seed_lists_give_independent_streams():
    a = map_instances(batched_matmul, 4, seed=[3, 0, 2])
    b = map_instances(batched_matmul, 4, seed=(3, 0, 2), n_jobs=2, chunk_size=1)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    c = map_instances(batched_matmul, 4, seed=[3, 1, 2])
    assert not np.any(a["norm"].to_numpy() == c["norm"].to_numpy())


def test_kwargs_reach_func(reference):
    got = map_instances(batched_matmul, 23, seed=11, chunk_size=5, scale=2.0)
    np.testing.assert_array_equal(got["first"], 2.0 * reference["first"])


def test_several_rows_per_instance_keep_their_instance_column():
    got = map_instances(two_rows_per_instance, 5, seed=0, chunk_size=2, n_jobs=2)
    assert got["instance"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert got["size"].tolist() == [1, 2] * 5


def test_arrays_concatenate_along_axis_0():
    one = map_instances(as_array, 7, seed=5, chunk_size=3)
    assert one.shape == (7, 3)
    np.testing.assert_array_equal(map_instances(as_array, 7, seed=5, chunk_size=1), one)
    np.testing.assert_array_equal(one[0], np.random.default_rng(spawn_seeds(5, 7)[0]).standard_normal(3))


def test_progress_bar_goes_to_the_process_stderr(monkeypatch):
    import io
    import sys

    # The bar is written to sys.__stderr__ (the terminal), not sys.stderr (a notebook cell).
    terminal = io.StringIO()
    monkeypatch.setattr(sys, "__stderr__", terminal)
    got = map_instances(batched_matmul, 6, seed=1, chunk_size=2, progress=True, desc="demo")
    assert len(got) == 6
    assert "demo" in terminal.getvalue()
    terminal.truncate(0)
    monkeypatch.delenv("PLATEAUS_PROGRESS", raising=False)
    map_instances(batched_matmul, 6, seed=1, chunk_size=2, desc="quiet")
    assert "quiet" not in terminal.getvalue()
    monkeypatch.setenv("PLATEAUS_PROGRESS", "1")
    map_instances(batched_matmul, 6, seed=1, chunk_size=2, desc="by-env")
    assert "by-env" in terminal.getvalue()


def test_environment_defaults(monkeypatch, reference):
    monkeypatch.setenv("PLATEAUS_N_JOBS", "2")
    monkeypatch.setenv("PLATEAUS_SCHEDULER", "joblib")
    got = map_instances(batched_matmul, 23, seed=11, chunk_size=5)
    pd.testing.assert_frame_equal(got, reference, check_exact=True)
    monkeypatch.setenv("PLATEAUS_N_JOBS", "two")
    with pytest.raises(ValueError, match="PLATEAUS_N_JOBS = 'two' is not allowed"):
        map_instances(batched_matmul, 3, seed=0)


def test_blas_is_single_threaded_inside_func():
    from threadpoolctl import threadpool_info, threadpool_limits

    def threads(seeds):
        counts = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
        return pd.DataFrame({"max_threads": [max(counts, default=1)] * len(seeds)})

    with threadpool_limits(limits=2, user_api="blas"):
        outside = threads([None])["max_threads"][0]
        inside = map_instances(threads, 2, seed=0)["max_threads"].tolist()
    assert inside == [1, 1]
    assert outside == 2  # so the limit was really lowered inside func


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "kwargs, parameter",
    [
        ({"n_instances": 0}, "n_instances"),
        ({"n_instances": 2.0}, "n_instances"),
        ({"n_instances": True}, "n_instances"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": []}, "seed"),
        ({"seed": [1, -2]}, "seed"),
        ({"seed": "1"}, "seed"),
        ({"chunk_size": 0}, "chunk_size"),
        ({"chunk_size": "10"}, "chunk_size"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"n_jobs": -2}, "n_jobs"),
        ({"n_jobs": 1.0}, "n_jobs"),
        ({"func": "not callable"}, "func"),
        ({"scheduler": 3}, "scheduler"),
    ],
)
def test_validation_before_any_work(kwargs, parameter):
    calls = []

    def func(seeds):
        calls.append(1)
        return pd.DataFrame({"x": np.zeros(len(seeds))})

    args = {"func": func, "n_instances": 4, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=rf"^{parameter} = .* is not allowed; expected"):
        map_instances(args.pop("func"), args.pop("n_instances"), args.pop("seed"), **args)
    assert calls == []


def test_bad_results_are_explained():
    with pytest.raises(ValueError, match="add an 'instance' column"):
        map_instances(without_instance_rows, 4, seed=0, chunk_size=2)
    with pytest.raises(ValueError, match="global indices"):
        map_instances(local_instance, 4, seed=0, chunk_size=2)
    with pytest.raises(ValueError, match="expected a pandas DataFrame or a numpy array"):
        map_instances(lambda seeds: [1] * len(seeds), 2, seed=0)


def test_missing_dask_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"pip install -e '\.\[dask\]'"):
        map_instances(batched_matmul, 2, seed=0, scheduler="local")
    monkeypatch.setenv("PLATEAUS_SCHEDULER", "tcp://127.0.0.1:1")
    with pytest.raises(ImportError, match="dask"):
        map_instances(batched_matmul, 2, seed=0)
    # joblib still works without dask
    monkeypatch.delenv("PLATEAUS_SCHEDULER")
    assert len(map_instances(batched_matmul, 2, seed=0)) == 2


def test_default_chunk_size_is_fixed():
    assert parallel.DEFAULT_CHUNK_SIZE == 100
    seeds = spawn_seeds(9, 4)
    assert [instance_index(s) for s in seeds] == [0, 1, 2, 3]


# --------------------------------------------------------------------------- worker cap


@pytest.mark.parametrize("n_jobs, n_chunks, cores, expected",
                         [(8, 2, 2, 2), (8, 2, 16, 2), (8, 20, 2, 2), (3, 20, 16, 3),
                          (-1, 20, 4, 4), (-1, 2, 4, 2), (1, 20, 4, 1), (8, 1, 4, 1)])
def test_effective_workers_is_capped_at_chunks_and_cores(monkeypatch, n_jobs, n_chunks, cores,
                                                          expected):
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: cores)
    assert parallel.effective_workers(n_jobs, n_chunks) == expected


def test_joblib_pool_is_capped_and_result_unchanged(monkeypatch, reference):
    """JOBS=8 for 2 chunks once started 8 workers: the pool gets min(n_jobs, chunks, cores)."""
    import joblib

    sizes = []
    real = joblib.Parallel

    def recording(*args, **kwargs):
        sizes.append(kwargs["n_jobs"])
        return real(*args, **kwargs)

    monkeypatch.setattr(joblib, "Parallel", recording)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 4)
    got = map_instances(batched_matmul, 23, seed=11, chunk_size=12, n_jobs=8)  # 2 chunks
    pd.testing.assert_frame_equal(got, reference)
    assert sizes == [2]
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    got = map_instances(batched_matmul, 23, seed=11, chunk_size=5, n_jobs=8)  # 5 chunks
    pd.testing.assert_frame_equal(got, reference)
    assert sizes == [2, 2]
    got = map_instances(batched_matmul, 23, seed=11, chunk_size=50, n_jobs=8)  # 1 chunk
    pd.testing.assert_frame_equal(got, reference)
    assert sizes == [2, 2]  # in-process, no pool


# --------------------------------------------------------------------------- scheduler address


BAD_ADDRESSES = ["tcp://127.0.0.1", "127.0.0.1:8786", "tcp://:8786", "tcp://host:0",
                 "tcp://host:99999", "tcp://host:port", "http://host:8786", "tcp://a b:1",
                 "localhost"]


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_malformed_address_is_refused_before_any_work(monkeypatch, address):
    """Checked before dask is imported or anything runs; names where it was set and the form."""
    calls = []

    def func(seeds):
        calls.append(1)
        return pd.DataFrame({"x": np.zeros(len(seeds))})

    with pytest.raises(ValueError, match=rf"^scheduler = '{re.escape(address)}' is not allowed; "
                                         r"expected 'local', 'joblib' or .*scheme://host:port.*"
                                         r"set by the scheduler argument"):
        map_instances(func, 4, seed=0, scheduler=address)
    monkeypatch.setenv("PLATEAUS_SCHEDULER", address)
    with pytest.raises(ValueError, match=rf"^PLATEAUS_SCHEDULER = '{re.escape(address)}' is not "
                                         r"allowed; expected .*scheme://host:port.*--scheduler"):
        map_instances(func, 4, seed=0)
    assert calls == []


@pytest.mark.parametrize("address", ["local", "tcp://127.0.0.1:8786", "tls://[::1]:8786",
                                     "tcp://scheduler-1.example.org:1", "ws://host:65535"])
def test_well_formed_addresses_pass_the_check(address):
    assert parallel._check_address("scheduler", address) == address


def test_dead_scheduler_gives_one_clear_error_quickly(monkeypatch):
    """Nothing listens on the port: a ConnectionError naming the address and the variable."""
    import socket
    import time

    pytest.importorskip("distributed")
    with socket.socket() as s:  # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", 1.0)
    monkeypatch.setenv("PLATEAUS_SCHEDULER", address)
    calls = []

    def func(seeds):
        calls.append(1)
        return pd.DataFrame({"x": np.zeros(len(seeds))})

    start = time.perf_counter()
    with pytest.raises(ConnectionError) as info:
        map_instances(func, 4, seed=0)
    assert time.perf_counter() - start < 15
    message = str(info.value)
    assert "\n" not in message
    assert f"no Dask scheduler answered at {address} within 1 s" in message
    assert "PLATEAUS_SCHEDULER" in message and "--scheduler" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__
    with pytest.raises(ConnectionError, match=rf"at {re.escape(address)} .*the scheduler argument"):
        map_instances(func, 4, seed=0, scheduler=address)
    assert calls == []
