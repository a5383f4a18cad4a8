"""`python -m pipeline.sample`: regenerate the shipped sample in data/muestra (never data/raw),
or with `--nacional` the national sample in data/muestra-nacional."""
from __future__ import annotations

from pathlib import Path
import argparse

from pipeline.config import SAMPLE_DIR
from pipeline.sample.scale import write_scale_logs
from pipeline.sample.vocabulary import DEFAULT_SEED
from pipeline.sample.write import generate_sample


def _fraction(text: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = 0.0
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"--fraccion debe ser un número mayor que 0 y hasta 1 (es {text!r}).")
    return value


def _print_truth(region: str, year: int, t: dict) -> None:
    print(f"{region} {year}: {t['actividades']} actividades, {t['asistencias']} asistencias, "
          f"{t['filas_leidas']} filas leídas, {t['cuarentena']} en cuarentena, "
          f"{t['duplicados']} duplicados")


# --------------------------------------------------------------------------- CLI

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.sample",
        description="Genera la muestra sintética de listas de asistencia (datos ficticios).")
    parser.add_argument("--out", default=None,
                        help="carpeta de destino (por defecto data/muestra, o data/muestra-nacional con "
                             "--nacional; siempre aparte de los datos reales de data/raw)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="semilla (por defecto 2017)")
    parser.add_argument("--escala", type=int, default=0,
                        help="en vez de la muestra, escribe N filas por región para benchmarks")
    parser.add_argument("--nacional", action="store_true",
                        help="escribe la muestra nacional: un año sintético de las dieciséis regiones "
                             "(unas 100.000 asistencias repartidas según la población del censo)")
    parser.add_argument("--anio", type=int, default=None, help="año de la muestra nacional (por defecto 2018)")
    parser.add_argument("--fraccion", type=_fraction, default=1.0,
                        help="con --nacional, escala el tamaño de cada región (p. ej. 0.02 para pruebas)")
    parser.add_argument("--regiones", default=None,
                        help="con --nacional, solo estas regiones, separadas por comas (p. ej. Aysén,Coquimbo)")
    args = parser.parse_args(argv)
    if not args.nacional and (args.regiones or args.fraccion != 1.0 or args.anio):
        parser.error("--anio, --fraccion y --regiones solo se usan con --nacional.")
    if args.nacional:
        from pipeline.errors import UnknownRegion
        from pipeline.sample import national

        regions = [r.strip() for r in args.regiones.split(",") if r.strip()] if args.regiones else None
        year = args.anio or national.NATIONAL_YEAR
        try:
            national.region_codes(regions)
        except UnknownRegion as err:
            parser.error(str(err))
        truth = national.write_national_sample(Path(args.out or national.NATIONAL_SAMPLE_DIR), year, args.seed,
                                               args.fraccion, regions)
        for region, t in truth.items():
            _print_truth(region, year, t)
        print(f"Total {year}: {sum(t['asistencias'] for t in truth.values())} asistencias en {len(truth)} regiones")
        return 0
    out = Path(args.out or SAMPLE_DIR)
    if args.escala:
        for p in write_scale_logs(out, args.escala, args.seed):
            print(p)
        return 0
    truth = generate_sample(out, args.seed)
    for region, years in truth.items():
        for year, t in years.items():
            _print_truth(region, year, t)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
