"""`python -m pipeline.sample`: regenerate the shipped sample in data/muestra (never data/raw)."""
from __future__ import annotations

from pathlib import Path
import argparse

from pipeline.config import SAMPLE_DIR
from pipeline.sample.scale import write_scale_logs
from pipeline.sample.vocabulary import DEFAULT_SEED
from pipeline.sample.write import generate_sample


# --------------------------------------------------------------------------- CLI

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.sample",
        description="Genera la muestra sintética de listas de asistencia (datos ficticios).")
    parser.add_argument("--out", default=str(SAMPLE_DIR),
                        help="carpeta de destino (por defecto data/muestra, aparte de los datos reales de data/raw)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="semilla (por defecto 2017)")
    parser.add_argument("--escala", type=int, default=0,
                        help="en vez de la muestra, escribe N filas por región para benchmarks")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if args.escala:
        for p in write_scale_logs(out, args.escala, args.seed):
            print(p)
        return 0
    truth = generate_sample(out, args.seed)
    for region, years in truth.items():
        for year, t in years.items():
            print(f"{region} {year}: {t['actividades']} actividades, {t['asistencias']} asistencias, "
                  f"{t['filas_leidas']} filas leídas, {t['cuarentena']} en cuarentena, "
                  f"{t['duplicados']} duplicados")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
