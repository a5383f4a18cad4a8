"""The seeded generator of messy sample logs: the shipped sample and benchmark data.
Never imported by the stages.

Everything here is synthetic: names are drawn from lists of common first names and
surnames, RUTs are random numbers with a computed check digit. No real person.

Public functions
----------------
- ``build_sample(seed=2017) -> Sample``: the whole sample in memory (files, sheets, rows),
  with the generator's own knowledge of every row (reason for quarantine, person, activity).
- ``generate_sample(out_dir, seed=2017) -> dict``: writes the sample under ``out_dir``
  (``<year>/`` for Coquimbo, ``regiones/valparaiso/2018/`` for Valparaíso) and returns the
  ground truth ``{region: {year: figures}}`` computed from that knowledge by the data
  contract's rules (see ``expected_figures``).
- ``expected(seed=2017) -> dict``: the same ground truth without writing anything.
- ``write_scale_csv(path, n_rows, seed, regions="all", year=2018, delimiter=";")``: one
  messy person-rows CSV of exactly ``n_rows`` data rows, vectorised (benchmarks).
- ``sample_dir(out_dir, region, year) -> Path``: where a region's year lives under ``out_dir``.
- ``write_scale_logs(root, n_rows, seed, years=(2018,), regions="all") -> list[Path]``: the
  same spread over one CSV per region and year, in the layout of ``config.paths``.
- ``write_national_sample(out, year=2018, seed=2017, fraction=1.0, regions=None) -> dict``: the
  national sample (module `national`), one year of all sixteen regions sized by census
  population (about 100.000 attendances), and its ground truth ``{region: figures}``;
  ``size_plan(fraction, regions)`` gives each region's rows without writing anything.

Run ``python -m pipeline.sample --out data/muestra`` to regenerate the shipped sample
(``--nacional`` for the national one in data/muestra-nacional, generated and never committed); CSV
bytes are identical on every run, and xlsx files are made byte-stable by fixing their
zip timestamps and document dates.

Modules: `vocabulary` (names, spellings, typos), `model` (people, activities, rows, files),
`people` (drawing and rendering rows), `years` (one year's files), `extras` (plans,
highlights, photos), `generator` (the whole sample), `expected` (ground truth), `write`
(byte-stable files), `scale` (benchmark CSVs), `national` (the sixteen regions), `cli`.
"""
from pipeline.sample.expected import expected, expected_figures  # noqa: F401
from pipeline.sample.generator import build_sample  # noqa: F401
from pipeline.sample.model import check_digit  # noqa: F401
from pipeline.sample.national import size_plan, write_national_sample  # noqa: F401
from pipeline.sample.scale import write_scale_csv, write_scale_logs  # noqa: F401
from pipeline.sample.write import file_bytes, generate_sample, sample_dir  # noqa: F401
