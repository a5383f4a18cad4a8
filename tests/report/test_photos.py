"""Photos of the featured activities: only regular files of the year's folder, rebuilt from
their pixels (no EXIF, XMP, ICC, JPEG comment or PNG text survives), refused by row number."""
from __future__ import annotations

import base64
import io
import os
import warnings

import pytest
from PIL import Image, PngImagePlugin

from pipeline.report import photos

SECRET = "Ximena Albornoz 8.765.432-K"


def _decode(uri: str) -> bytes:
    return base64.b64decode(uri.split(",", 1)[1])


def _jpeg_with_everything(path):
    img = Image.new("RGB", (64, 48), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010E] = SECRET          # ImageDescription
    exif[0x013B] = SECRET          # Artist
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>{SECRET}</dc:creator></x:xmpmeta>'.encode()
    img.save(path, format="JPEG", exif=exif.tobytes(), comment=SECRET.encode(), xmp=xmp,
             icc_profile=b"\0" * 128 + SECRET.encode())


def _png_with_text(path):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", SECRET)
    info.add_itxt("Description", SECRET)
    info.add_text("Comment", SECRET, zip=True)
    Image.new("RGBA", (40, 30), (0, 0, 255, 128)).save(path, format="PNG", pnginfo=info)


@pytest.mark.parametrize("make,name", [(_jpeg_with_everything, "foto.jpg"), (_png_with_text, "foto.png")])
def test_no_metadata_survives(tmp_path, make, name):
    make(tmp_path / name)
    assert SECRET.encode() in (tmp_path / name).read_bytes() or name.endswith(".png")
    data = _decode(photos.read_photo(tmp_path, name, 2))
    for needle in (b"Ximena", b"Albornoz", b"8.765.432", b"Exif", b"tEXt", b"iTXt", b"zTXt", b"ICC_PROFILE",
                   b"http://ns.adobe.com/xap"):
        assert needle not in data
    with Image.open(io.BytesIO(data)) as img:
        assert not {k for k in img.info if k not in ("jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi")}
        assert img.getexif() == {} or len(img.getexif()) == 0


def test_symlink_out_of_the_folder_is_refused_and_named_by_row(tmp_path):
    outside = tmp_path / "fuera"
    outside.mkdir()
    _jpeg_with_everything(outside / "ajena.jpg")
    raw = tmp_path / "2017"
    raw.mkdir()
    os.symlink(outside / "ajena.jpg", raw / "Ximena Albornoz.jpg")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert photos.read_photo(raw, "Ximena Albornoz.jpg", 7) is None
    text = " ".join(str(w.message) for w in caught)
    assert "fila 7 de destacadas.csv" in text
    assert "Ximena" not in text and str(tmp_path) not in text


@pytest.mark.parametrize("name", ["../foto.jpg", "sub/foto.jpg", "foto.gif", "..", "no-existe.jpg", "rota.jpg"])
def test_other_refusals_name_the_row_only(tmp_path, name):
    (tmp_path / "rota.jpg").write_bytes(b"esto no es una imagen")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert photos.read_photo(tmp_path, name, 3) is None
    assert all("fila 3" in str(w.message) and name not in str(w.message) for w in caught) and caught


def test_highlights_keep_their_row_numbers(tmp_path):
    (tmp_path / "destacadas.csv").write_text(
        "fecha,comuna,titulo,linea,foto\n2017-04-12,Ovalle,Uno,,\n,,,,\n2017-05-12,Ovalle,Dos,,x.jpg\n",
        encoding="utf-8")
    rows = photos.read_highlights(tmp_path / "destacadas.csv")
    assert [(r["fila"], r["titulo"]) for r in rows] == [(2, "Uno"), (4, "Dos")]
    with pytest.warns(UserWarning, match="fila 4"):
        assert photos.with_photos(rows, tmp_path)[1]["foto_uri"] is None
