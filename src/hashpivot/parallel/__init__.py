"""Scale-out on Dask: a run or a sweep split into tasks of (variant, range of paths), executed in-process, on a
``dask.distributed.LocalCluster`` (``--workers N``) or on an existing cluster (``--scheduler tcp://HOST:PORT`` or
``HASHPIVOT_SCHEDULER``), with the same numbers wherever they run.

- :mod:`hashpivot.parallel.tasks`: the task model (``Task``, ``split_paths``) and ``run_task``, the function a
  worker executes: it receives a scenario (TOML text) and a range of paths, never market arrays, and returns the
  range's ``engine.run.PathArrays`` (or only the summary's inputs, ``engine.run.PathFinals``).
- :mod:`hashpivot.parallel.executor`: where tasks run (``Executor``, ``connect``) and the exact merge of their
  results into ``SimResult``s (``run_variants``).

Every path draws from its own random streams and every variant of a sweep from the same ones (common random
numbers), so a result does not depend on the number of workers, the task size or the order tasks finish in.
"""

from hashpivot.parallel.executor import Executor, Variant, connect

__all__ = ["Executor", "Variant", "connect"]
