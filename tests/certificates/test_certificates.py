"""Certificates: verification codes, and the PDF and PNG renderers in all seven languages."""

from __future__ import annotations

import io
import random
import re
import unicodedata
from dataclasses import replace
from functools import cache
from typing import cast

import pypdfium2  # type: ignore[import-untyped]
import pytest
import uharfbuzz  # type: ignore[import-untyped]
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from bot.certificates import render
from bot.certificates.codes import ALPHABET, MAX_SERIAL, new_code, read_code
from bot.certificates.render import (
    PNG_SIZE,
    CertificateText,
    font_path,
    missing_glyphs,
    render_pdf,
    render_png,
)
from bot.printing.pdf import pdf_measure
from bot.printing.png import Pen, raqm_available
from bot.testing.keys import OTHER_USER_KEY_SECRET, TEST_USER_KEY_SECRET

SECRET = TEST_USER_KEY_SECRET.encode()
OTHER_SECRET = OTHER_USER_KEY_SECRET.encode()
CODE = re.compile(rf"^BCN-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")
LRM, RLM = "\u200e", "\u200f"

# heading, awarded_to, name, completed, course, date, code_label, verify_hint (with {code})
TEXTS = {
    "en": (
        "Certificate of completion",
        "This certifies that",
        "Jane Doe",
        "has completed the course",
        "Spotting the signs of human trafficking",
        "22 November 2026",
        "Verification code",
        "Check it: send /verify {code} to the Beacon bot, or scan the code",
    ),
    "es": (
        "Certificado de finalización",
        "Se certifica que",
        "María José Peña Ñúñez",
        "ha completado el curso",
        "Reconocer las señales de la trata de personas",
        "22 de noviembre de 2026",
        "Código de verificación",
        "Compruébelo: envíe /verify {code} al bot de Beacon o escanee el código",
    ),
    "vi": (
        "Giấy chứng nhận hoàn thành",
        "Chứng nhận rằng",
        "Nguyễn Thị Hà",
        "đã hoàn thành khóa học",
        "Nhận biết dấu hiệu của nạn mua bán người",
        "Ngày 22 tháng 11 năm 2026",
        "Mã xác minh",
        "Kiểm tra: gửi /verify {code} tới bot Beacon, hoặc quét mã",
    ),
    "tl": (
        "Sertipiko ng pagkumpleto",
        "Pinatutunayan na si",
        "Ma. Cristina Dela Cruz",
        "ay nakumpleto ang kurso",
        "Pagkilala sa mga palatandaan ng human trafficking",
        "Nobyembre 22, 2026",
        "Verification code",
        "Suriin: ipadala ang /verify {code} sa Beacon bot, o i-scan ang code",
    ),
    "fr": (
        "Certificat de réussite",
        "Nous certifions que",
        "Geneviève Côté-Bélanger",
        "a terminé le cours",
        "Reconnaître et signaler la traite des personnes",
        "22 novembre 2026",
        "Code de vérification",
        "Pour le vérifier : envoyez /verify {code} au bot Beacon, ou scannez le code",
    ),
    "ar": (
        "شهادة إتمام",
        "يشهد بأن",
        "محمد",
        "قد أتمّ الدورة",
        "التعرّف على علامات الاتجار بالبشر",
        "22 نوفمبر 2026",
        "رمز التحقق",
        f"{RLM}للتحقق: أرسل {LRM}/verify {{code}}{LRM} إلى بوت Beacon، أو امسح الرمز",
    ),
    "zh_Hans": (
        "结业证书",
        "兹证明",
        "李小龙",
        "已完成课程",
        "识别人口贩运的迹象",
        "2026年11月22日",
        "验证码",
        "核验方法：向 Beacon 机器人发送 /verify {code}，或扫描二维码",
    ),
}
LANGUAGES = list(TEXTS)


@cache
def certificate(language: str, serial: int = 4711) -> CertificateText:
    """A realistic certificate in one of the seven languages."""
    heading, awarded_to, name, completed, course, date, label, hint = TEXTS[language]
    code = new_code(SECRET, serial)
    return CertificateText(
        heading=heading,
        awarded_to=awarded_to,
        name=name,
        completed=completed,
        course=course,
        date=date,
        code_label=label,
        code=code,
        verify_hint=hint.format(code=code),
        qr_payload=f"https://t.me/beacon_test_bot?start=verify_{code.replace('-', '')}",
        language=language,
        right_to_left=language == "ar",
    )


@cache
def pdf_of(language: str) -> bytes:
    """The PDF of a language's sample certificate (rendered once)."""
    return render_pdf(certificate(language))


@cache
def png_of(language: str) -> bytes:
    """The PNG of a language's sample certificate (rendered once)."""
    return render_png(certificate(language))


def squeeze(text: str) -> str:
    """Text for comparison: NFKC, without whitespace, controls or format marks."""
    return "".join(
        char
        for char in unicodedata.normalize("NFKC", text)
        if not char.isspace() and unicodedata.category(char) not in {"Cc", "Cf"}
    )


def pdf_text(data: bytes) -> str:
    """The text pypdf extracts from a one-page PDF."""
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def pdf_page_image(data: bytes) -> Image.Image:
    """The PDF's page rasterised (offline, by PDFium) to 1600 pixels wide."""
    page = pypdfium2.PdfDocument(data)[0]
    image: Image.Image = page.render(scale=PNG_SIZE[0] / page.get_width()).to_pil()
    return image


def qr_texts(image: Image.Image) -> list[str]:
    """The text of every QR code found in an image."""
    found = zxingcpp.read_barcodes(image)
    return [code.text for code in found if code.format == zxingcpp.BarcodeFormat.QRCode]


# Verification codes


def test_codes_round_trip_for_many_serials() -> None:
    """Every serial comes back from its code, and codes look like BCN-XXXX-XXXX-XXXX."""
    serials = [*range(3000), *range(MAX_SERIAL - 100, MAX_SERIAL + 1), 2**31, 123_456_789]
    codes = [new_code(SECRET, serial) for serial in serials]
    assert all(CODE.match(code) for code in codes)
    assert [read_code(SECRET, code) for code in codes] == serials
    assert len(set(codes)) == len(codes)


@given(st.integers(0, MAX_SERIAL))
def test_any_serial_round_trips(serial: int) -> None:
    """Any serial in range round-trips through its code."""
    assert read_code(SECRET, new_code(SECRET, serial)) == serial


def test_consecutive_serials_do_not_give_similar_codes() -> None:
    """The serial is scrambled: neighbouring certificates share few symbols in place."""
    first, second = new_code(SECRET, 1000), new_code(SECRET, 1001)
    assert sum(a == b for a, b in zip(first[4:], second[4:], strict=True)) < 8


def test_every_one_symbol_change_is_rejected() -> None:
    """Changing any one symbol to any other symbol of the alphabet is always caught."""
    for serial in (0, 1, 77, 4711, MAX_SERIAL):
        code = new_code(SECRET, serial)
        for index, symbol in enumerate(code):
            if symbol == "-" or index < 3:
                continue
            for other in ALPHABET.replace(symbol, ""):
                typo = code[:index] + other + code[index + 1 :]
                assert read_code(SECRET, typo) is None, typo


def test_every_swap_of_two_symbols_is_rejected() -> None:
    """Swapping any two different symbols, next to each other or not, is always caught."""
    for serial in (5, 4711, 99_999):
        symbols = new_code(SECRET, serial).replace("-", "")[3:]
        for i in range(len(symbols)):
            for j in range(i + 1, len(symbols)):
                if symbols[i] == symbols[j]:
                    continue
                swapped = list(symbols)
                swapped[i], swapped[j] = swapped[j], swapped[i]
                assert read_code(SECRET, "".join(swapped)) is None


def test_a_code_from_another_secret_is_rejected() -> None:
    """Codes made under another deployment's secret do not verify here."""
    for serial in range(500):
        assert read_code(OTHER_SECRET, new_code(SECRET, serial)) is None


def test_random_codes_with_a_valid_check_symbol_are_rejected() -> None:
    """The keyed MAC, not only the check symbol, stops guessed codes (odds 1 in 8 million)."""
    rng = random.Random(20261122)
    accepted = 0
    for _ in range(20_000):
        values = [rng.randrange(32) for _ in range(11)]
        for check in range(32):
            guess = "".join(ALPHABET[value] for value in [*values, check])
            if read_code(SECRET, guess) is not None:
                accepted += 1
    assert accepted == 0


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        " ",
        "-",
        "BCN",
        "BCN-",
        "hello",
        "BCN-UUUU-UUUU-UUUU",
        "BCN-0000-0000-000",
        "BCN-0000-0000-00000",
        "ВСN-7K2M-Q9XD-4TRW",
        "ＢＣＮ-７Ｋ２Ｍ-Ｑ９ＸＤ-４ＴＲＷ",
        "BCN-7K2M-Q9XD-4TR😀",
        "\x00" * 12,
        "ıııı-ıııı-ıııı",
        "A" * 1_000_000,
        "شهادة إتمام",
    ],
)
def test_garbage_is_rejected(garbage: str) -> None:
    """Empty, short, long, non-ASCII and look-alike input is rejected without raising."""
    assert read_code(SECRET, garbage) is None


@given(st.text())
def test_reading_never_raises(text: str) -> None:
    """Whatever is typed, reading gives a serial or None."""
    assert read_code(SECRET, text) is None or isinstance(read_code(SECRET, text), int)


def test_case_dashes_spaces_and_prefix_are_ignored() -> None:
    """Lower case, missing dashes, spaces, tabs and a missing prefix still verify."""
    code = new_code(SECRET, 31337)
    bare = code.replace("-", "")
    for typed in (
        code.lower(),
        bare,
        bare[3:],
        " ".join(bare),
        f"  {code}\t",
        code.replace("-", " - "),
        code.replace("-", "\u2013"),
    ):
        assert read_code(SECRET, typed) == 31337, typed


def test_crockford_look_alikes_read_as_digits() -> None:
    """O reads as 0 and I or L as 1, as Crockford base32 prescribes."""
    serial = next(s for s in range(1000) if "0" in new_code(SECRET, s)[4:])
    code = new_code(SECRET, serial)
    assert read_code(SECRET, code[:4] + code[4:].replace("0", "O")) == serial
    serial = next(s for s in range(1000) if "1" in new_code(SECRET, s)[4:])
    code = new_code(SECRET, serial)
    assert read_code(SECRET, code[:4] + code[4:].replace("1", "l")) == serial


def test_new_code_refuses_what_it_cannot_encode() -> None:
    """Serials out of range and an empty secret are errors, not silent wrap-arounds."""
    for serial in (-1, MAX_SERIAL + 1):
        with pytest.raises(ValueError, match="serial"):
            new_code(SECRET, serial)
    with pytest.raises(ValueError, match="secret"):
        new_code(b"", 1)
    assert read_code(b"", new_code(SECRET, 1)) is None


# Fonts


def test_fonts_come_from_installed_packages() -> None:
    """Each font is a file shipped by a PyPI package, not a system font."""
    for key in ("latin", "arabic", "cjk"):
        path = font_path(key)
        assert "site-packages" in path.parts or "dist-packages" in path.parts
        assert path.stat().st_size > 100_000


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_character_of_every_language_has_a_glyph(language: str) -> None:
    """No character of the seven sample certificates would be drawn as .notdef."""
    text = certificate(language)
    every = " ".join(str(value) for value in vars(text).values() if isinstance(value, str))
    assert missing_glyphs(every) == ""


def test_missing_glyphs_are_caught() -> None:
    """The glyph check can fail: Thai and emoji are not in the bundled fonts."""
    assert missing_glyphs("สมชาย 😀 Nguyễn 李 محمد Ωμέγα Иван") == "ชมยสา😀"


@pytest.mark.parametrize("name", ["Nguyễn Thị Hà", "李小龙", "محمد", "Zoë Ørsted", "Иван"])
def test_names_in_other_scripts_print_on_an_english_certificate(name: str) -> None:
    """A learner's name in another script than the course language is set in a font that has it."""
    text = replace(certificate("en"), name=name)
    assert squeeze(name) in squeeze(pdf_text(render_pdf(text)))


def test_a_name_no_font_has_would_be_caught() -> None:
    """The name check can fail: fpdf2 drops glyphs no font has, so the name goes missing."""
    text = replace(certificate("en"), name="สมชาย")
    assert squeeze("สมชาย") not in squeeze(pdf_text(render_pdf(text)))


# PDF


@pytest.mark.parametrize("language", LANGUAGES)
def test_pdf_is_one_landscape_a4_page_with_the_code_and_name(language: str) -> None:
    """The PDF has one A4 landscape page whose text holds the code and the learner's name."""
    reader = PdfReader(io.BytesIO(pdf_of(language)))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    text = squeeze(reader.pages[0].extract_text())
    assert squeeze(certificate(language).code) in text
    assert squeeze(certificate(language).name) in text


@pytest.mark.parametrize("language", ["en", "vi", "zh_Hans"])
def test_pdf_text_holds_every_line(language: str) -> None:
    """Headings, course title and date come out of the PDF as they went in."""
    text = squeeze(pdf_text(pdf_of(language)))
    sample = certificate(language)
    for value in (sample.heading, sample.awarded_to, sample.course, sample.date):
        assert squeeze(value) in text


def page_fonts(data: bytes) -> list[DictionaryObject]:
    """The font dictionaries of a PDF's first page."""
    resources = cast(DictionaryObject, PdfReader(io.BytesIO(data)).pages[0]["/Resources"])
    fonts = cast(DictionaryObject, resources["/Font"].get_object())
    return [cast(DictionaryObject, font.get_object()) for font in fonts.values()]


def test_pdf_fonts_are_embedded() -> None:
    """Every font the PDF uses is embedded, so it prints the same on any machine."""
    for language in LANGUAGES:
        fonts = page_fonts(pdf_of(language))
        assert fonts
        for font in fonts:
            descendant = cast(ArrayObject, font["/DescendantFonts"])[0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor


def test_pdf_uses_only_the_fonts_it_needs() -> None:
    """An English certificate embeds no CJK or Arabic font; a Chinese one embeds CJK."""

    def families(data: bytes) -> set[str]:
        return {str(font["/BaseFont"]).split("+")[-1] for font in page_fonts(data)}

    assert families(pdf_of("en")) == {"NotoSans"}
    assert any("CJK" in family for family in families(pdf_of("zh_Hans")))
    assert any("Arabic" in family for family in families(pdf_of("ar")))


def test_pdf_is_the_same_for_the_same_input() -> None:
    """No clock: rendering twice gives the same bytes."""
    assert render_pdf(certificate("vi")) == pdf_of("vi")


@pytest.mark.parametrize("language", LANGUAGES)
def test_pdf_qr_code_decodes_to_the_payload(language: str) -> None:
    """The vector QR code, rasterised, decodes back to the payload."""
    assert qr_texts(pdf_page_image(pdf_of(language))) == [certificate(language).qr_payload]


def test_pdf_arabic_is_shaped() -> None:
    """Arabic in the PDF uses contextual forms: the page differs from unshaped isolated letters."""
    shaped = pdf_page_image(pdf_of("ar"))
    text = certificate("ar")
    isolated = replace(text, name="\ufee1\ufea1\ufee1\ufea9")  # the letters of محمد, isolated
    unshaped = pdf_page_image(render_pdf(isolated))
    name_band = (0, 380, 1600, 520)
    assert shaped.crop(name_band).tobytes() != unshaped.crop(name_band).tobytes()


def test_an_empty_name_leaves_the_line_out() -> None:
    """With no name the certificate still renders, without a blank line for it."""
    text = replace(certificate("en"), name="")
    lines = [line.text for line in render._layout(text, lambda value, font, size: len(value))]
    assert text.awarded_to in lines
    assert "" not in lines
    assert len(lines) == len(render._layout(certificate("en"), lambda v, f, s: len(v))) - 1
    assert "This certifies that" in pdf_text(render_pdf(text))


def test_long_texts_wrap_and_shrink_to_fit() -> None:
    """A very long name and title stay on one page, inside the frame, ending in an ellipsis."""
    text = replace(
        certificate("es"),
        name="Maximiliano Alejandro de la Santísima Trinidad " * 8,
        course="Un curso con un título larguísimo sobre las señales de la trata " * 4,
    )
    reader = PdfReader(io.BytesIO(render_pdf(text)))
    assert len(reader.pages) == 1
    assert "…" in reader.pages[0].extract_text()
    with render._new_pdf(text) as pdf:
        measure = pdf_measure(pdf)
        for line in render._layout(text, measure):
            assert measure(line.text, line.font, line.size) <= line.width + 0.01
            assert line.top > 12 and line.top + line.height < render.PAGE_HEIGHT - 12


# PNG


@pytest.mark.parametrize("language", LANGUAGES)
def test_png_has_the_size_and_a_qr_code_that_decodes(language: str) -> None:
    """The PNG is 1600x1131 and its QR code decodes back to the payload."""
    image = Image.open(io.BytesIO(png_of(language)))
    assert image.format == "PNG"
    assert image.size == PNG_SIZE == (1600, 1131)
    assert qr_texts(image) == [certificate(language).qr_payload]


@pytest.mark.parametrize(("language", "left"), [("en", False), ("ar", True)])
def test_qr_code_sits_on_the_reading_end_side(language: str, left: bool) -> None:
    """The QR code is bottom right, or bottom left on a right-to-left certificate."""
    image = Image.open(io.BytesIO(png_of(language)))
    (found,) = zxingcpp.read_barcodes(image)
    assert (found.position.top_left.x < PNG_SIZE[0] / 2) is left
    assert found.position.top_left.y > PNG_SIZE[1] / 2


def test_png_without_raqm_still_decodes_and_differs_only_slightly() -> None:
    """The fallback path (no Raqm: arabic-reshaper + python-bidi) draws a readable certificate."""
    image = render._render_image(certificate("ar"), raqm=False)
    assert qr_texts(image) == [certificate("ar").qr_payload]


def harfbuzz_width(value: str, key: str, pixels: float, rtl: bool) -> float:
    """The advance width in pixels HarfBuzz gives a text: a reference for shaping."""
    face = uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(font_path(key))))
    font = uharfbuzz.Font(face)
    buffer = uharfbuzz.Buffer()
    buffer.add_str(value)
    buffer.guess_segment_properties()
    buffer.direction = "rtl" if rtl else "ltr"
    uharfbuzz.shape(font, buffer)
    advance = sum(position.x_advance for position in buffer.glyph_positions)
    return float(advance * pixels / face.upem)


@pytest.mark.parametrize("raqm", [True, False])
@pytest.mark.parametrize("value", ["شهادة إتمام", "فاطمة الزهراء", "التعرّف على علامات"])
def test_png_arabic_is_shaped(value: str, raqm: bool) -> None:
    """Arabic in the PNG is as wide as HarfBuzz shapes it, with Raqm or with the fallback;
    unshaped isolated letters are measurably wider, so the check can fail."""
    if raqm and not raqm_available():
        pytest.skip("Pillow has no Raqm here (no libfribidi)")
    pen = Pen(0, True, raqm, ("arabic", "latin", "cjk"))
    font = pen.font("arabic", 30)
    drawn = sum(pen.length(*piece) for piece in pen.pieces(value, "arabic", 30))
    reference = harfbuzz_width(value, "arabic", font.size, rtl=True)
    unshaped = Pen(0, True, False, ("arabic",)).font("arabic", 30).getlength(value)
    assert abs(drawn - reference) / reference < 0.03
    assert abs(unshaped - reference) / reference > 0.1


def test_png_previews_can_be_written(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every language's PNG is a valid image file (written out for a look)."""
    folder = tmp_path_factory.mktemp("certs")
    for language in LANGUAGES:
        (folder / f"{language}.png").write_bytes(png_of(language))
        with Image.open(folder / f"{language}.png") as image:
            image.verify()


def test_an_arabic_verify_hint_keeps_the_command_and_code_in_order() -> None:
    """Beacon's finished Arabic hint holds `/verify CODE` together: the bidi layout shows the
    slash before `verify` and the code after it, as typed."""
    from bidi import get_display  # type: ignore[import-untyped]

    from bot.core import texts
    from bot.i18n.catalogs import Catalogs
    from bot.service.render import Renderer
    from bot.settings import PROJECT_ROOT

    renderer = Renderer(Catalogs(PROJECT_ROOT / "locales").translator("ar"), "ar")
    hint = renderer.say(texts.CERTIFICATE_HINT.fill(code="BCN-TQME-NHVS-8X0C"))
    shown = get_display(hint)
    assert "/verify" in shown and "BCN-TQME-NHVS-8X0C" in shown
    assert shown.index("/verify") < shown.index("BCN-TQME-NHVS-8X0C")
    plain = get_display(renderer.text(texts.CERTIFICATE_HINT.fill(code="BCN-TQME-NHVS-8X0C")))
    assert "/verify" not in plain  # without the marks the slash lands at the other end
